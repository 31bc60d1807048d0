//! `.txt` files: each file is one record, its text the whole file (a UTF-8 BOM is dropped) and its
//! id the path relative to the folder given. Kept as `{"id","text"}` lines.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use storydup_core::error::{Location, Problem, Result};

use super::{
    push_item, Blocks, Chunk, Counted, Fields, Format, KeptAs, Limits, Oversized, Parsed, ReadResult, Sink, Source,
    SourceId, Stored, Tally,
};
use crate::cut::txt_prefix;

/// The `.txt` format.
#[derive(Debug, Clone, Copy)]
pub struct Txt;

impl Format for Txt {
    fn name(&self) -> &'static str {
        "text file"
    }

    fn claims(&self, lower_name: &str) -> bool {
        lower_name.ends_with(".txt")
    }

    fn one_record_per_file(&self) -> bool {
        true
    }

    fn needs_spool(&self, _path: &Path, _is_regular_file: bool) -> Result<bool> {
        Ok(false)
    }

    fn read(&self, idx: SourceId, src: &Source, limits: &Limits, sink: &mut Sink<'_>) -> ReadResult {
        let tally = Tally::default();
        let read = read_txt(idx, src, limits, sink.pending(), &tally);
        sink.digest(idx, tally.digest());
        read?;
        sink.flush_if_full();
        Ok(())
    }

    fn parse<'a>(
        &self,
        src: &'a Source,
        text: &'a str,
        _fields: &Fields<'_>,
    ) -> std::result::Result<Parsed<'a>, Problem> {
        if text.contains('\0') {
            return Err(Problem::new(
                "binary",
                "file holds NUL bytes, so it is not text; remove it from the folder",
            ));
        }
        Ok(Parsed {
            key: std::borrow::Cow::Borrowed(src.name_id.as_deref().expect("one-record files have an id")),
            text: std::borrow::Cow::Borrowed(text),
        })
    }

    fn kept_as(&self) -> KeptAs {
        KeptAs::IdAndText
    }

    fn cut(
        &self,
        blocks: &Blocks<'_>,
        _len: u64,
        max_doc_bytes: usize,
        _fields: &Fields<'_>,
    ) -> Result<(Vec<u8>, Stored)> {
        let mut head = Vec::new();
        blocks(max_doc_bytes as u64 + 4, &mut |b| head.extend_from_slice(b))?;
        let kept = txt_prefix(&head, max_doc_bytes).to_vec();
        let n = kept.len();
        Ok((kept, Stored::Cut(n)))
    }
}

fn read_txt(idx: SourceId, src: &Source, limits: &Limits, chunk: &mut Chunk, tally: &Tally) -> ReadResult {
    let (max_doc_bytes, oversized) = (limits.max_doc_bytes, &limits.oversized);
    let path = src.path.as_ref().expect("txt sources are files");
    let loc = Location {
        path: src.display.clone(),
        line: 1,
        byte_offset: 0,
    };
    let unreadable = |e: io::Error| {
        (
            loc.clone(),
            Problem::new(
                "unreadable_input",
                format!("cannot read file: {e}; check that it is readable"),
            ),
        )
    };
    let mut f = Counted::new(File::open(path).map_err(unreadable)?, tally);
    let mut data = Vec::new();
    (&mut f)
        .take(max_doc_bytes as u64 + 4)
        .read_to_end(&mut data)
        .map_err(unreadable)?;
    // The rest of a file over the limit is not held, but it is counted: the input's hash is of
    // all of its bytes.
    io::copy(&mut f, &mut io::sink()).map_err(unreadable)?;
    let mut offset = 0;
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        offset = 3;
    }
    let len = (data.len() - offset) as u64;
    chunk.bytes_read += data.len() as u64;
    let start = chunk.data.len();
    if data.len() - offset > max_doc_bytes {
        let full = std::fs::metadata(path).map(|m| m.len()).unwrap_or(len);
        let stored = match oversized {
            Oversized::Reject => Stored::TooLarge,
            Oversized::Truncate { .. } => {
                let kept = txt_prefix(&data[offset..], max_doc_bytes);
                chunk.data.extend_from_slice(kept);
                Stored::Cut(kept.len())
            }
        };
        push_item(chunk, idx, 1, offset as u64, full - offset as u64, start, stored);
        return Ok(());
    }
    chunk.data.extend_from_slice(&data[offset..]);
    push_item(chunk, idx, 1, offset as u64, len, start, Stored::Whole);
    Ok(())
}
