//! Splitting a large import file into one file per job: each chunk gets the header and at most
//! `rows_per_job` rows and 100 MB, the same boundaries the validator counts. Chunks are written
//! one at a time, just before their job runs, so only one is on disk at once. Chunks hold
//! personal data: they go into a private directory of unpredictable name (0700, files 0600),
//! removed when the splitter is dropped — on every way out, an error or a signal included.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::validate::{Limits, Lines};

/// Reads the source once, handing out chunk files in order.
pub struct Splitter {
    lines: Lines<BufReader<File>>,
    header: Vec<u8>,
    limits: Limits,
    dir: tempfile::TempDir,
    /// A row read past the end of the previous chunk.
    pending: Option<Vec<u8>>,
    written: usize,
}

impl Splitter {
    pub fn open(source: &Path, limits: Limits) -> io::Result<Self> {
        let file = crate::files::regular(source, crate::files::CSV_CAP)
            .map_err(|e| io::Error::other(format!("{}: {e}", source.display())))?;
        let mut lines = Lines::new(BufReader::with_capacity(1 << 20, file));
        lines.next_line()?;
        let mut header = lines.buf.clone();
        header.push(b'\n');
        let dir = crate::state::private_temp_dir("runbook-import-")?;
        Ok(Self {
            lines,
            header,
            limits,
            dir,
            pending: None,
            written: 0,
        })
    }

    /// Writes the next chunk and returns its path and row count; `None` when all rows are out.
    pub fn next_chunk(&mut self) -> io::Result<Option<(PathBuf, u64)>> {
        let path = self
            .dir
            .path()
            .join(format!("chunk-{}.csv", self.written + 1));
        let mut out: Option<BufWriter<File>> = None;
        let (mut rows, mut bytes) = (0u64, self.header.len() as u64);
        loop {
            let row = match self.pending.take() {
                Some(row) => row,
                None => {
                    if !self.lines.next_line()? {
                        break;
                    }
                    let mut row = self.lines.buf.clone();
                    row.push(b'\n');
                    row
                }
            };
            let fits = rows < self.limits.rows_per_job
                && bytes + row.len() as u64 <= self.limits.bytes_per_job;
            if rows > 0 && !fits {
                self.pending = Some(row);
                break;
            }
            let writer = match &mut out {
                Some(w) => w,
                None => {
                    let mut w = BufWriter::new(private_file(&path)?);
                    w.write_all(&self.header)?;
                    out.insert(w)
                }
            };
            writer.write_all(&row)?;
            rows += 1;
            bytes += row.len() as u64;
        }
        match out {
            Some(mut w) => {
                w.flush()?;
                self.written += 1;
                Ok(Some((path, rows)))
            }
            None => Ok(None),
        }
    }
}

/// Creates a new file only its owner can read (never through a link).
fn private_file(path: &Path) -> io::Result<File> {
    crate::files::create(path, crate::files::PRIVATE, crate::files::Existing::Refuse)
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::validate::{Mfa, PoolRules, validate};

    const HEADER: &str =
        "email,email_verified,phone_number_verified,cognito:mfa_enabled,cognito:username";

    /// A file of `rows` users in a directory removed when the returned guard is dropped.
    fn file(rows: usize) -> (tempfile::TempDir, PathBuf, PoolRules) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        let mut text = format!("{HEADER}\r\n");
        for i in 0..rows {
            text.push_str(&format!("u{i}@example.com,true,false,false,user{i}\r\n"));
        }
        std::fs::write(&path, text).unwrap();
        let rules = PoolRules {
            pool_id: "p".into(),
            header: HEADER.split(',').map(str::to_string).collect(),
            required: vec![],
            mfa: Mfa::Off,
            auto_verified: vec!["email".into()],
            username_attributes: Vec::new(),
            alias_attributes: Vec::new(),
        };
        (dir, path, rules)
    }

    /// The splitter cuts where the validator counted: same number of chunks, every row once,
    /// each chunk starting with the header.
    #[test]
    fn chunks_match_the_validators_job_count() {
        for (rows, limits) in [
            (
                7,
                Limits {
                    rows_per_job: 3,
                    ..Limits::default()
                },
            ),
            (
                10,
                Limits {
                    bytes_per_job: 120,
                    ..Limits::default()
                },
            ),
            (5, Limits::default()),
        ] {
            let (_dir, path, rules) = file(rows);
            let report = validate(
                std::io::BufReader::new(File::open(&path).unwrap()),
                &rules,
                limits,
                None,
            )
            .unwrap();
            let mut splitter = Splitter::open(&path, limits).unwrap();
            let (mut chunks, mut total) = (0, 0);
            while let Some((chunk, n)) = splitter.next_chunk().unwrap() {
                let text = std::fs::read_to_string(&chunk).unwrap();
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode =
                        |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
                    assert_eq!(mode(&chunk), 0o600, "chunks are private");
                    assert_eq!(mode(chunk.parent().unwrap()), 0o700);
                }
                assert!(text.starts_with(&format!("{HEADER}\n")));
                assert_eq!(text.lines().count() as u64, n + 1);
                assert!(n <= limits.rows_per_job && text.len() as u64 <= limits.bytes_per_job);
                chunks += 1;
                total += n;
            }
            assert_eq!((chunks, total), (report.jobs, rows as u64), "{limits:?}");
            let dir = splitter.dir.path().to_path_buf();
            drop(splitter);
            assert!(!dir.exists(), "chunks are removed with the splitter");
        }
    }
}
