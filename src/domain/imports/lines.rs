//! NDJSON lines from a byte stream, one at a time and each bounded, so an import holds one line
//! in memory whatever the size of the file.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The longest line read; a longer one is skipped and reported.
pub const MAX_LINE: usize = 1 << 20;

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    TooLong,
    NotUtf8,
}

/// Reads the next line (without its `\n` or `\r\n`); `None` at the end of the input.
pub async fn next(reader: &mut (impl AsyncBufRead + Unpin), buf: &mut Vec<u8>) -> std::io::Result<Option<Line>> {
    buf.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if buf.len() + chunk.len() > MAX_LINE {
            too_long = true;
            buf.clear();
        } else if !too_long {
            buf.extend_from_slice(chunk);
        }
        let used = done.unwrap_or(available.len());
        reader.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(std::str::from_utf8(buf).map_or(Line::NotUtf8, |s| Line::Text(s.to_string()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn all(input: &[u8]) -> Vec<Line> {
        let mut reader = tokio::io::BufReader::with_capacity(7, input);
        let (mut buf, mut lines) = (Vec::new(), Vec::new());
        while let Some(line) = next(&mut reader, &mut buf).await.unwrap() {
            lines.push(line);
        }
        lines
    }

    #[tokio::test]
    async fn lines_split_at_newlines_across_reads_and_the_last_needs_none() {
        let text = |s: &str| Line::Text(s.into());
        assert_eq!(
            all(b"{\"a\":1}\r\n\n{\"b\":22222}").await,
            vec![text("{\"a\":1}"), text(""), text("{\"b\":22222}")]
        );
    }

    #[tokio::test]
    async fn an_overlong_or_non_utf8_line_is_named_and_the_next_is_read() {
        let mut input = vec![b'x'; MAX_LINE + 5];
        input.extend_from_slice(b"\n\xff\nok");
        assert_eq!(all(&input).await, vec![Line::TooLong, Line::NotUtf8, Line::Text("ok".into())]);
    }
}
