//! Calls this server makes to addresses others chose (a witness a manager added, a log a
//! monitor follows): bodies are read only up to a cap, so no one can make it hold more.

use crate::error::{Error, Result};

/// The body of `res`, refused once it passes `cap` bytes.
pub async fn body_capped(mut res: reqwest::Response, cap: usize) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| Error::Internal(format!("reading an answer: {}", e.without_url())))?
    {
        if body.len() + chunk.len() > cap {
            return Err(Error::Internal(format!(
                "an answer longer than {cap} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
