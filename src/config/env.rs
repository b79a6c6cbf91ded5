//! `TESSERA_*` environment overrides: `TESSERA_EMAIL__SMTP__HOST` sets `email.smtp.host`.

use crate::config::{Config, ConfigError};

const PREFIX: &str = "TESSERA_";
/// Variables that steer the CLI rather than the configuration tree.
const NOT_KEYS: &[&str] = &["TESSERA_CONFIG", "TESSERA_LOG"];

/// Writes each variable into the tree, typed like the key's default value (strings stay strings,
/// so a numeric password is not turned into a number).
pub(super) fn overlay(
    tree: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let defaults = toml::Table::try_from(Config::default()).map_err(|e| ConfigError::new("defaults", e.to_string()))?;
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        if NOT_KEYS.contains(&name.as_str()) {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
        let key = path.join(".");
        let value = typed_like(lookup(&defaults, &path), &raw)
            .ok_or_else(|| ConfigError::new(&key, format!("cannot parse {name}={raw:?}")))?;
        insert(tree, &path, value).map_err(|why| ConfigError::new(&key, why))?;
    }
    Ok(())
}

fn lookup<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut t = table;
    for p in parents {
        t = t.get(p)?.as_table()?;
    }
    t.get(last)
}

fn typed_like(default: Option<&toml::Value>, raw: &str) -> Option<toml::Value> {
    use toml::Value;
    Some(match default {
        Some(Value::Integer(_)) => Value::Integer(raw.trim().parse().ok()?),
        Some(Value::Boolean(_)) => Value::Boolean(raw.trim().parse().ok()?),
        Some(Value::Array(_)) => {
            let wrapped: toml::Table = toml::from_str(&format!("v = {raw}")).ok()?;
            wrapped.get("v")?.clone()
        }
        _ => Value::String(raw.to_string()),
    })
}

fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty key".into());
    };
    let mut t = table;
    for p in parents {
        t = t
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| format!("`{p}` is not a section"))?;
    }
    t.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn nested_keys_are_set_with_double_underscores() {
        let c = Config::from_toml(
            "",
            vars(&[
                ("TESSERA_EMAIL__SMTP__HOST", "mail.example.com"),
                ("TESSERA_EMAIL__SMTP__PORT", "2525"),
                ("TESSERA_EMAIL__TRANSPORT", "smtp"),
            ]),
        )
        .unwrap();
        assert_eq!(c.email.smtp.host, "mail.example.com");
        assert_eq!(c.email.smtp.port, 2525);
    }

    #[test]
    fn numeric_looking_secrets_stay_strings() {
        let c = Config::from_toml(
            "",
            vars(&[("TESSERA_EMAIL__SMTP__USERNAME", "mailer"), ("TESSERA_EMAIL__SMTP__PASSWORD", "123456")]),
        )
        .unwrap();
        assert_eq!(c.email.smtp.password.as_deref(), Some("123456"));
    }

    #[test]
    fn environment_wins_over_the_file() {
        let c =
            Config::from_toml("issuer = \"https://file.example\"", vars(&[("TESSERA_ISSUER", "https://env.example")]))
                .unwrap();
        assert_eq!(c.issuer, "https://env.example");
    }

    #[test]
    fn a_bad_number_names_the_variable() {
        let e = Config::from_toml("", vars(&[("TESSERA_LIFETIMES__OTP", "soon")])).unwrap_err();
        assert!(e.to_string().contains("lifetimes.otp"), "{e}");
    }
}
