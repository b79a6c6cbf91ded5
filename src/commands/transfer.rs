//! `tessera users import FILE` and `tessera users export`: users with their passkeys, as NDJSON.

use tokio::io::BufReader;

use tessera::clock::Clock;
use tessera::config::Config;
use tessera::domain::imports::{self, Format, ImportError, Report};

use super::admin_event;
use crate::CliResult;

/// Imports `file` (`-` for standard input); prints the report, and fails if any line did.
pub(crate) async fn import(config: &Config, file: &str, format: &str) -> CliResult {
    let format: Format = format.parse()?;
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let rp_id = config.webauthn_rp().map(|(rp_id, _)| rp_id);
    let now = Clock::System.now();
    let outcome = if file == "-" {
        let mut input = BufReader::new(tokio::io::stdin());
        imports::import(directory.as_ref(), &mut input, format, rp_id.as_deref(), now).await
    } else {
        let opened = tokio::fs::File::open(file).await.map_err(|e| format!("cannot open {file}: {e}"))?;
        let mut input = BufReader::with_capacity(64 * 1024, opened);
        imports::import(directory.as_ref(), &mut input, format, rp_id.as_deref(), now).await
    };
    let (report, stopped) = match outcome {
        Ok(report) => (report, None),
        Err(ImportError::Read { line, error, report }) => (report, Some(format!("line {line}: reading: {error}"))),
        Err(ImportError::Store { line, error, report }) => (report, Some(format!("line {line}: {error}"))),
    };
    print(&report);
    let target = format!("{} created, {} existing, {} failed", report.created, report.existing, report.failed_count);
    admin_event(directory.as_ref(), "users_imported", None, &target).await;
    match stopped {
        Some(why) => Err(format!("the import stopped at {why}").into()),
        None if report.failed_count > 0 => Err(format!("{} lines were not imported", report.failed_count).into()),
        None => Ok(()),
    }
}

fn print(report: &Report) {
    for failure in &report.failed {
        eprintln!("line {}: {}", failure.line, failure.reason);
    }
    if report.failed_count > report.failed.len() as u64 {
        eprintln!("… and {} more", report.failed_count - report.failed.len() as u64);
    }
    println!("{} created, {} existing, {} failed", report.created, report.existing, report.failed_count);
}

/// Writes every user to standard output.
pub(crate) async fn export(config: &Config) -> CliResult {
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let mut out = tokio::io::BufWriter::new(tokio::io::stdout());
    let written = imports::export(directory.as_ref(), &mut out).await?;
    eprintln!("{written} users exported");
    Ok(())
}
