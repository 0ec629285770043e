//! Checking a user-import CSV against a pool, before anything is uploaded.
//!
//! The rules are those of the Cognito developer guide, "Creating the user import .csv file":
//! the header is the pool's (`GetCSVHeader`), in any order; every row has every column; the file
//! is UTF-8 without a byte order mark; values are not quoted and a comma inside a value is written
//! `\,`; `cognito:username` is present, unique and has no spaces or tabs; `cognito:mfa_enabled`
//! is a boolean that agrees with the pool's MFA setting; at least one of `email_verified` and
//! `phone_number_verified` is true, and the attribute it verifies is present (`phone_number` in
//! E.164); the pool's required attributes are present; a pool with a single auto-verified
//! attribute needs it verified for every user; `birthdate` is mm/dd/yyyy; `updated_at` is epoch
//! seconds; a row is at most 16,000 characters; values are trimmed first, as Cognito trims them.
//!
//! This format is not RFC 4180 CSV (no quoting, backslash-escaped commas), so lines are split
//! here rather than by the `csv` crate. The file is read once, a line at a time, in constant
//! memory apart from 16 bytes per user (a 64-bit hash of the username and its line number,
//! sorted at the end to find duplicates).

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::io::{self, BufRead};

/// Cognito's per-job limits.
pub const MAX_ROWS_PER_JOB: u64 = 500_000;
pub const MAX_BYTES_PER_JOB: u64 = 100 * 1024 * 1024;
const MAX_ROW_CHARS: usize = 16_000;

/// The pool's MFA setting, as `DescribeUserPool` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mfa {
    On,
    Off,
    Optional,
}

/// What the file is checked against: read from the pool by `GetCSVHeader` and `DescribeUserPool`.
#[derive(Clone, Debug)]
pub struct PoolRules {
    pub pool_id: String,
    pub header: Vec<String>,
    /// Attributes the pool requires (`SchemaAttributes[?Required]`).
    pub required: Vec<String>,
    pub mfa: Mfa,
    /// `AutoVerifiedAttributes`: `email`, `phone_number`.
    pub auto_verified: Vec<String>,
    /// `UsernameAttributes`: users sign in with their `email` / `phone_number`, which is then
    /// what `cognito:username` must hold.
    pub username_attributes: Vec<String>,
    /// `AliasAttributes`: `email`, `phone_number`, `preferred_username` a user can also sign in
    /// with, so unique in the pool.
    pub alias_attributes: Vec<String>,
}

/// One problem, as `line N, column NAME: what is wrong and what is expected`.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// 1-based line number; `None` for a problem with the pool rather than the file.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.line, &self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            (None, _) => write!(f, "{}", self.message),
        }
    }
}

/// The outcome of a check.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Data rows (users).
    pub users: u64,
    pub bytes: u64,
    /// Import jobs the file needs (split by rows per job and 100 MB).
    pub jobs: u64,
    /// The first problems, up to the cap.
    pub problems: Vec<Problem>,
    /// How many more there were.
    pub more_problems: u64,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn problem_count(&self) -> u64 {
        self.problems.len() as u64 + self.more_problems
    }
}

/// How the file is split into jobs, and how many problems to list.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub rows_per_job: u64,
    pub bytes_per_job: u64,
    pub max_problems: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rows_per_job: MAX_ROWS_PER_JOB,
            bytes_per_job: MAX_BYTES_PER_JOB,
            max_problems: 100,
        }
    }
}

/// Reads lines without their terminator (`\n` or `\r\n`), reusing one buffer.
pub struct Lines<R> {
    reader: R,
    pub buf: Vec<u8>,
    /// Bytes of the current line including its terminator.
    pub raw_len: usize,
    pub number: u64,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(4096),
            raw_len: 0,
            number: 0,
        }
    }

    /// Advances to the next line; false at the end of the file.
    pub fn next_line(&mut self) -> io::Result<bool> {
        self.buf.clear();
        let n = self.reader.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(false);
        }
        self.raw_len = n;
        self.number += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        Ok(true)
    }
}

/// Splits a line at commas not preceded by a backslash; fills `fields` with byte ranges.
pub fn split_fields(line: &[u8], fields: &mut Vec<(usize, usize)>) {
    fields.clear();
    let mut start = 0;
    for at in memchr::memchr_iter(b',', line) {
        if at > 0 && line[at - 1] == b'\\' {
            continue;
        }
        fields.push((start, at));
        start = at + 1;
    }
    fields.push((start, line.len()));
}

/// Column positions the rules need.
#[derive(Default)]
struct Columns {
    username: Option<usize>,
    mfa: Option<usize>,
    email: Option<usize>,
    email_verified: Option<usize>,
    phone: Option<usize>,
    phone_verified: Option<usize>,
    birthdate: Option<usize>,
    updated_at: Option<usize>,
    required: Vec<usize>,
    /// The `_verified` column of the pool's single auto-verified attribute.
    must_verify: Option<usize>,
}

/// Hashes usernames for the uniqueness check (fixed keys: the same on every run).
type UsernameHasher = BuildHasherDefault<DefaultHasher>;

/// A streaming checker: feed it the header, then each row.
pub struct Validator<'a> {
    rules: &'a PoolRules,
    limits: Limits,
    report: Report,
    names: Vec<String>,
    columns: Columns,
    fields: Vec<(usize, usize)>,
    /// (hash of the username, line) for every row; sorted at the end to find duplicates.
    usernames: Vec<(u64, u32)>,
    /// Alias columns (index, name) and, per column, the first line of each value seen.
    aliases: Vec<(usize, String, HashMap<u64, u32>)>,
    hasher: UsernameHasher,
    /// The file's size, to reserve `usernames` once.
    size_hint: Option<u64>,
    chunk_rows: u64,
    chunk_bytes: u64,
    header_bytes: u64,
}

/// Is `text` an email address as Cognito takes one for a username (`name@domain.tld`)?
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c == ',')
}

/// Is `text` an E.164 phone number (`+` and 2 to 15 digits, no leading zero)?
pub fn is_phone(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

fn boolean(value: &[u8]) -> Option<bool> {
    if value.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if value.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// A value as a report shows it: quoted, control and invisible characters escaped (`\u{202e}`),
/// cut at 40 characters.
fn shown(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let escaped = |text: &str| -> String {
        text.chars()
            .map(|c| match c {
                '"' | '\'' | '\\' => c.to_string(),
                c => c.escape_debug().to_string(),
            })
            .collect()
    };
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("\"{}…\"", escaped(&cut))
    } else {
        format!("\"{}\"", escaped(&text))
    }
}

fn is_e164(value: &[u8]) -> bool {
    matches!(value, [b'+', first, rest @ ..]
        if (b'1'..=b'9').contains(first) && rest.len() <= 14 && rest.iter().all(u8::is_ascii_digit))
}

/// A value format rule: the column's position and name, the test, and what is expected.
type FormatCheck = (Option<usize>, &'static str, fn(&[u8]) -> bool, &'static str);

fn is_epoch_seconds(value: &[u8]) -> bool {
    value.iter().all(u8::is_ascii_digit)
}

fn is_birthdate(value: &[u8]) -> bool {
    let [m1, m2, b'/', d1, d2, b'/', y @ ..] = value else {
        return false;
    };
    if y.len() != 4
        || ![m1, m2, d1, d2].iter().all(|c| c.is_ascii_digit())
        || !y.iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let month = (m1 - b'0') * 10 + (m2 - b'0');
    let day = (d1 - b'0') * 10 + (d2 - b'0');
    let year: u32 = y.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

impl<'a> Validator<'a> {
    pub fn new(rules: &'a PoolRules, limits: Limits) -> Self {
        let mut report = Report::default();
        if rules.auto_verified.is_empty() {
            report.problems.push(Problem {
                line: None,
                column: None,
                message: format!(
                    "pool {}: has no auto-verified attribute (AutoVerifiedAttributes), so Cognito will not start an import job into it; set email or phone_number as auto-verified",
                    rules.pool_id
                ),
            });
        }
        Self {
            rules,
            limits,
            report,
            names: Vec::new(),
            columns: Columns::default(),
            fields: Vec::with_capacity(32),
            usernames: Vec::new(),
            aliases: Vec::new(),
            hasher: UsernameHasher::default(),
            size_hint: None,
            chunk_rows: 0,
            chunk_bytes: 0,
            header_bytes: 0,
        }
    }

    /// Reserves room for the usernames of a file of `bytes` bytes (estimated from its first row).
    pub fn with_size_hint(mut self, bytes: u64) -> Self {
        self.size_hint = Some(bytes);
        self
    }

    /// Takes the problems found so far: an export checks its rows one by one and leaves a
    /// refused user out instead of listing the problem.
    pub fn take_problems(&mut self) -> Vec<Problem> {
        self.report.more_problems = 0;
        std::mem::take(&mut self.report.problems)
    }

    fn problem(&mut self, line: u64, column: Option<&str>, message: String) {
        if self.report.problems.len() < self.limits.max_problems {
            self.report.problems.push(Problem {
                line: Some(line),
                column: column.map(str::to_string),
                message,
            });
        } else {
            self.report.more_problems += 1;
        }
    }

    /// The header row as text: a leading byte order mark reported and dropped; not UTF-8, or
    /// CR-only line ends (the whole file on one line), reported and `None`.
    fn header_text<'l>(&mut self, line: &'l [u8]) -> Option<&'l str> {
        let mut line = line;
        if let Some(rest) = line.strip_prefix(b"\xEF\xBB\xBF") {
            self.problem(
                1,
                None,
                "the file starts with a byte order mark; save it as UTF-8 without BOM".into(),
            );
            line = rest;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            self.problem(
                1,
                None,
                "the header is not valid UTF-8; save the file as UTF-8".into(),
            );
            return None;
        };
        if text.contains('\r') {
            // Old Mac line ends: the whole file reads as one line.
            self.problem(
                1,
                None,
                "the file's lines end with CR alone (classic Mac line ends), so it reads as one line; save it with LF or CRLF line ends".into(),
            );
            return None;
        }
        Some(text)
    }

    /// Checks the header row (line 1). `raw_len` counts its terminator.
    pub fn header(&mut self, line: &[u8], raw_len: usize) {
        self.report.bytes += raw_len as u64;
        // Chunks are written with `\n` line ends: count them that way.
        self.header_bytes = line.len() as u64 + 1;
        let Some(text) = self.header_text(line) else {
            return;
        };
        if text.trim().is_empty() {
            self.problem(
                1,
                None,
                format!(
                    "the header row is missing; the first line must be the pool's header: {}",
                    self.rules.header.join(",")
                ),
            );
            return;
        }
        self.names = text
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .collect();
        let expected = &self.rules.header;
        let mut seen = std::collections::HashSet::new();
        for name in &self.names.clone() {
            if !seen.insert(name.as_str()) {
                self.problem(
                    1,
                    Some(name),
                    "appears twice in the header; each column must appear once".into(),
                );
            }
        }
        let missing: Vec<&str> = expected
            .iter()
            .filter(|e| !self.names.contains(e))
            .map(String::as_str)
            .collect();
        for name in &self.names.clone() {
            if !expected.contains(name) {
                let hint = crate::aws::names::closest(name, missing.iter().copied())
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default();
                self.problem(
                    1,
                    Some(name),
                    format!("is not a column of the pool's header{hint}"),
                );
            }
        }
        if !missing.is_empty() {
            let message = format!(
                "the header is missing {} of the pool's columns: {}; all of them must be present (in any order)",
                missing.len(),
                missing.join(", ")
            );
            self.problem(1, None, message);
        }
        let position = |name: &str| self.names.iter().position(|n| n == name);
        self.columns = Columns {
            username: position("cognito:username"),
            mfa: position("cognito:mfa_enabled"),
            email: position("email"),
            email_verified: position("email_verified"),
            phone: position("phone_number"),
            phone_verified: position("phone_number_verified"),
            birthdate: position("birthdate"),
            updated_at: position("updated_at"),
            required: self
                .rules
                .required
                .iter()
                .filter_map(|r| position(r))
                .collect(),
            must_verify: match self.rules.auto_verified.as_slice() {
                [only] => position(&format!("{only}_verified")),
                _ => None,
            },
        };
        self.aliases = self
            .rules
            .alias_attributes
            .iter()
            .filter_map(|a| position(a).map(|i| (i, a.clone(), HashMap::new())))
            .collect();
    }

    fn value<'l>(&self, line: &'l [u8], column: Option<usize>) -> Option<&'l [u8]> {
        let (start, end) = *self.fields.get(column?)?;
        Some(line[start..end].trim_ascii())
    }

    /// Checks one data row. `raw_len` counts its terminator.
    pub fn row(&mut self, number: u64, line: &[u8], raw_len: usize) {
        self.report.users += 1;
        self.report.bytes += raw_len as u64;
        self.count_chunk(line.len() as u64 + 1);
        if line.trim_ascii().is_empty() {
            self.problem(
                number,
                None,
                "the row is empty; remove it or fill in a user".into(),
            );
            return;
        }
        if line.windows(3).any(|w| w == b"\xEF\xBB\xBF") {
            self.problem(
                number,
                None,
                "a byte order mark (U+FEFF) inside the file — files joined together? Save it as one UTF-8 file without BOM".into(),
            );
            return;
        }
        if let Err(e) = std::str::from_utf8(line) {
            self.problem(
                number,
                None,
                format!(
                    "not valid UTF-8 at byte {}; save the file as UTF-8",
                    e.valid_up_to() + 1
                ),
            );
            return;
        }
        if line.len() > MAX_ROW_CHARS {
            let chars = String::from_utf8_lossy(line).chars().count();
            if chars > MAX_ROW_CHARS {
                self.problem(
                    number,
                    None,
                    format!("the row is {chars} characters long; the maximum is {MAX_ROW_CHARS}"),
                );
            }
        }
        let mut fields = std::mem::take(&mut self.fields);
        split_fields(line, &mut fields);
        self.fields = fields;
        let width = self.names.len();
        if !self.names.is_empty() && self.fields.len() != width {
            if self.fields.len() < width {
                let column = self.names[self.fields.len()].clone();
                let message = format!(
                    "missing; the row has {} values, the header {width}: every row needs every column (empty values are fine)",
                    self.fields.len()
                );
                self.problem(number, Some(&column), message);
            } else {
                let message = format!(
                    "the row has {} values, the header {width}; is a comma inside a value missing its backslash (\\,)?",
                    self.fields.len()
                );
                self.problem(number, None, message);
            }
            return;
        }
        for i in 0..self.fields.len().min(width) {
            let (start, end) = self.fields[i];
            let value = line[start..end].trim_ascii();
            if value.first() == Some(&b'"') {
                let (column, message) = (
                    self.names[i].clone(),
                    format!(
                        "{} is in quotation marks; write values without quotes (a comma inside a value as \\,)",
                        shown(value)
                    ),
                );
                self.problem(number, Some(&column), message);
            }
        }
        self.check_username(number, line);
        self.check_aliases(number, line);
        self.check_mfa(number, line);
        self.check_verification(number, line);
        self.check_required(number, line);
        self.check_formats(number, line);
    }

    fn check_username(&mut self, number: u64, line: &[u8]) {
        let Some(index) = self.columns.username else {
            return;
        };
        let Some(value) = self.value(line, Some(index)) else {
            return;
        };
        let column = "cognito:username";
        if value.is_empty() {
            self.problem(
                number,
                Some(column),
                "empty; every user needs a username".into(),
            );
            return;
        }
        if value.iter().any(|b| *b == b' ' || *b == b'\t') {
            self.problem(
                number,
                Some(column),
                format!("{} contains a space or tab; usernames cannot", shown(value)),
            );
        } else if let Err(why) = std::str::from_utf8(value)
            .map_err(|_| "is not UTF-8 text".to_string())
            .and_then(crate::aws::constraints::username)
        {
            // NUL, ESC, a right-to-left override, a zero-width space…: not a username.
            let why = why.trim_start_matches("request key \"cognito:username\" ");
            self.problem(number, Some(column), format!("{} {why}", shown(value)));
        }
        let attributes = &self.rules.username_attributes;
        if !attributes.is_empty() {
            let text = String::from_utf8_lossy(value);
            let email = attributes.iter().any(|a| a == "email") && is_email(&text);
            let phone = attributes.iter().any(|a| a == "phone_number") && is_phone(&text);
            if !email && !phone {
                let wanted = match (
                    attributes.iter().any(|a| a == "email"),
                    attributes.iter().any(|a| a == "phone_number"),
                ) {
                    (true, true) => "an email address or an E.164 phone number (+15555550100)",
                    (true, false) => "an email address",
                    _ => "an E.164 phone number (+15555550100)",
                };
                self.problem(
                    number,
                    Some(column),
                    format!(
                        "{} is not {wanted}; the pool's users sign in with {} (UsernameAttributes), so cognito:username must be one",
                        shown(value),
                        attributes.join(" or ")
                    ),
                );
            }
        }
        if let Some(bytes) = self.size_hint.filter(|_| self.usernames.is_empty()) {
            let estimate = bytes / (line.len() as u64 + 1).max(16) * 5 / 4;
            self.usernames.reserve(estimate.min(50_000_000) as usize);
        }
        let line_number = u32::try_from(number).unwrap_or(u32::MAX);
        self.usernames
            .push((self.hasher.hash_one(value), line_number));
    }

    /// Alias values (`email`, `phone_number`, `preferred_username` in an alias pool) must be
    /// unique: a user signs in with them.
    fn check_aliases(&mut self, number: u64, line: &[u8]) {
        let line_number = u32::try_from(number).unwrap_or(u32::MAX);
        let mut found = Vec::new();
        for (index, name, seen) in &mut self.aliases {
            let Some((start, end)) = self.fields.get(*index).copied() else {
                continue;
            };
            let value = line[start..end].trim_ascii();
            if value.is_empty() {
                continue;
            }
            let lowered = value.to_ascii_lowercase();
            let first = *seen
                .entry(self.hasher.hash_one(&lowered))
                .or_insert(line_number);
            if first != line_number {
                found.push((name.clone(), first));
            }
        }
        for (name, first) in found {
            self.problem(
                number,
                Some(&name),
                format!(
                    "duplicate of line {first}; users sign in with their {name} (AliasAttributes), so no two may share one"
                ),
            );
        }
    }

    /// Reports every username seen before, as `duplicate of line N` at each later line, merged
    /// into the problems in line order (keeping the cap).
    fn report_duplicates(&mut self) {
        let mut usernames = std::mem::take(&mut self.usernames);
        // Sorted by (hash, line): each group of equal hashes starts with its first line.
        usernames.sort_unstable();
        let mut duplicates: Vec<(u32, u32)> = Vec::new();
        let mut group: Option<(u64, u32)> = None;
        for &(hash, line) in &usernames {
            match group {
                Some((h, first)) if h == hash => duplicates.push((line, first)),
                _ => group = Some((hash, line)),
            }
        }
        drop(usernames);
        if duplicates.is_empty() {
            return;
        }
        duplicates.sort_unstable();
        let found = std::mem::take(&mut self.report.problems);
        let keep = self.limits.max_problems;
        let total = found.len() + duplicates.len();
        let mut merged = Vec::with_capacity(total.min(keep));
        let (mut a, mut b) = (
            found.into_iter().peekable(),
            duplicates.into_iter().peekable(),
        );
        while merged.len() < keep {
            let take_found = match (a.peek(), b.peek()) {
                (Some(p), Some((line, _))) => p.line.is_none_or(|l| l <= u64::from(*line)),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_found {
                merged.extend(a.next());
            } else if let Some((line, first)) = b.next() {
                merged.push(Problem {
                    line: Some(u64::from(line)),
                    column: Some("cognito:username".into()),
                    message: format!(
                        "duplicate of line {first}; usernames must be unique in the file"
                    ),
                });
            }
        }
        self.report.more_problems += (total - merged.len()) as u64;
        self.report.problems = merged;
    }

    fn check_mfa(&mut self, number: u64, line: &[u8]) {
        let column = "cognito:mfa_enabled";
        let Some(value) = self.value(line, self.columns.mfa) else {
            return;
        };
        match (boolean(value), self.rules.mfa) {
            (None, _) if value.is_empty() => {
                self.problem(number, Some(column), "empty; expected true or false".into())
            }
            (None, _) => self.problem(
                number,
                Some(column),
                format!("{} is not a boolean; expected true or false", shown(value)),
            ),
            (Some(false), Mfa::On) => self.problem(
                number,
                Some(column),
                "false, but the pool requires MFA (MfaConfiguration ON); expected true".into(),
            ),
            (Some(true), Mfa::Off) => self.problem(
                number,
                Some(column),
                "true, but MFA is off in the pool (MfaConfiguration OFF); expected false".into(),
            ),
            _ => {}
        }
    }

    fn check_verification(&mut self, number: u64, line: &[u8]) {
        let mut verified = [None, None];
        for (slot, (column, attribute, index, attr_index)) in [
            (
                "email_verified",
                "email",
                self.columns.email_verified,
                self.columns.email,
            ),
            (
                "phone_number_verified",
                "phone_number",
                self.columns.phone_verified,
                self.columns.phone,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(value) = self.value(line, index) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            match boolean(value) {
                None => self.problem(
                    number,
                    Some(column),
                    format!("{} is not a boolean; expected true or false", shown(value)),
                ),
                Some(b) => verified[slot] = Some(b),
            }
            if verified[slot] == Some(true)
                && self.value(line, attr_index).is_some_and(<[u8]>::is_empty)
            {
                self.problem(
                    number,
                    Some(attribute),
                    format!("empty, but {column} is true; expected the user's {attribute}"),
                );
            }
        }
        if self.columns.email_verified.is_some() || self.columns.phone_verified.is_some() {
            if verified.iter().all(|v| *v != Some(true)) {
                self.problem(
                    number,
                    Some("email_verified"),
                    "neither email_verified nor phone_number_verified is true; at least one must be, so the user can reset their password".into(),
                );
            } else if let Some(index) = self.columns.must_verify {
                let slot = usize::from(Some(index) == self.columns.phone_verified);
                if verified[slot] != Some(true) {
                    let column = self.names[index].clone();
                    let attribute = &self.rules.auto_verified[0];
                    let message = format!(
                        "must be true: {attribute} is the pool's only auto-verified attribute"
                    );
                    self.problem(number, Some(&column), message);
                }
            }
        }
    }

    fn check_required(&mut self, number: u64, line: &[u8]) {
        for i in 0..self.columns.required.len() {
            let index = self.columns.required[i];
            if self.value(line, Some(index)).is_some_and(<[u8]>::is_empty) {
                let column = self.names[index].clone();
                let message = format!("empty, but the pool requires {column}; expected a value");
                self.problem(number, Some(&column), message);
            }
        }
    }

    fn check_formats(&mut self, number: u64, line: &[u8]) {
        let checks: [FormatCheck; 3] = [
            (
                self.columns.phone,
                "phone_number",
                is_e164,
                "is not in E.164 format; expected + and the country code and number, digits only, e.g. +12065551212",
            ),
            (
                self.columns.birthdate,
                "birthdate",
                is_birthdate,
                "is not a date as mm/dd/yyyy; expected e.g. 02/01/1985",
            ),
            (
                self.columns.updated_at,
                "updated_at",
                is_epoch_seconds,
                "is not epoch seconds; expected e.g. 1471453471",
            ),
        ];
        for (index, column, valid, expected) in checks {
            if let Some(value) = self
                .value(line, index)
                .filter(|v| !v.is_empty() && !valid(v))
            {
                let message = format!("{} {expected}", shown(value));
                self.problem(number, Some(column), message);
            }
        }
    }

    fn count_chunk(&mut self, bytes: u64) {
        let fits = self.chunk_rows < self.limits.rows_per_job
            && self.header_bytes + self.chunk_bytes + bytes <= self.limits.bytes_per_job;
        if self.report.jobs == 0 || !fits {
            self.report.jobs += 1;
            self.chunk_rows = 0;
            self.chunk_bytes = 0;
        }
        self.chunk_rows += 1;
        self.chunk_bytes += bytes;
    }

    /// The report, once every row has been fed.
    pub fn finish(mut self, header_seen: bool) -> Report {
        self.report_duplicates();
        if !header_seen {
            self.problem(
                1,
                None,
                format!(
                    "the file is empty; it needs the pool's header row: {}",
                    self.rules.header.join(",")
                ),
            );
        }
        self.report
    }
}

/// Checks a whole file, reading it once. `size_hint`: the file's size, if known.
pub fn validate(
    reader: impl BufRead,
    rules: &PoolRules,
    limits: Limits,
    size_hint: Option<u64>,
) -> io::Result<Report> {
    let mut lines = Lines::new(reader);
    let mut validator = Validator::new(rules, limits);
    if let Some(bytes) = size_hint {
        validator = validator.with_size_hint(bytes);
    }
    let header_seen = lines.next_line()?;
    if header_seen {
        validator.header(&lines.buf, lines.raw_len);
    }
    while lines.next_line()? {
        validator.row(lines.number, &lines.buf, lines.raw_len);
    }
    Ok(validator.finish(header_seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const SEED_HEADER: &str = "name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,address,updated_at,cognito:mfa_enabled,cognito:username";

    fn rules() -> PoolRules {
        PoolRules {
            pool_id: "ap-northeast-1_test".into(),
            header: SEED_HEADER.split(',').map(str::to_string).collect(),
            required: vec![],
            mfa: Mfa::Optional,
            auto_verified: vec!["email".into()],
            username_attributes: Vec::new(),
            alias_attributes: Vec::new(),
        }
    }

    fn check(rules: &PoolRules, text: &str) -> Report {
        validate(text.as_bytes(), rules, Limits::default(), None).unwrap()
    }

    #[test]
    fn the_seed_sample_passes() {
        let text = format!(
            "{SEED_HEADER}\n,,,,,,,,,dummy@example.com,true,,,,,,false,,,false,import001\n"
        );
        let report = check(&rules(), &text);
        assert!(report.is_valid(), "{:?}", report.problems);
        assert_eq!((report.users, report.jobs), (1, 1));
    }

    #[test]
    fn split_respects_backslash_commas() {
        let mut fields = vec![];
        let line = br"a,b\,c,,d";
        split_fields(line, &mut fields);
        let parts: Vec<&[u8]> = fields.iter().map(|(s, e)| &line[*s..*e]).collect();
        assert_eq!(parts, [&b"a"[..], br"b\,c", b"", b"d"]);
    }

    #[test]
    fn dates_and_phones() {
        assert!(is_birthdate(b"02/29/2000"));
        assert!(!is_birthdate(b"02/29/1900"));
        assert!(!is_birthdate(b"13/01/1985"));
        assert!(!is_birthdate(b"1985-02-01"));
        assert!(is_e164(b"+12065551212"));
        assert!(!is_e164(b"+0123"));
        assert!(!is_e164(b"12065551212"));
        assert!(!is_e164(b"+1206555121212345"));
    }

    #[test]
    fn jobs_split_by_rows_and_bytes() {
        let mut text = format!("{SEED_HEADER}\n");
        for i in 0..7 {
            text.push_str(&format!(
                ",,,,,,,,,u{i}@example.com,true,,,,,,false,,,false,u{i}\n"
            ));
        }
        let limits = Limits {
            rows_per_job: 3,
            ..Limits::default()
        };
        let report = validate(text.as_bytes(), &rules(), limits, None).unwrap();
        assert_eq!((report.users, report.jobs), (7, 3));
        let limits = Limits {
            bytes_per_job: (SEED_HEADER.len() + 1 + 2 * 60) as u64,
            ..Limits::default()
        };
        let report = validate(text.as_bytes(), &rules(), limits, None).unwrap();
        assert_eq!(
            report.jobs, 4,
            "two rows of ~50 bytes fit beside the header"
        );
    }

    /// Random bytes shaped like CSV (commas, quotes, backslashes, CR/LF, invalid UTF-8, long
    /// rows) never panic, and every problem names a line.
    #[test]
    fn arbitrary_input_never_panics() {
        use rand::{RngExt, SeedableRng};
        let alphabet: &[&[u8]] = &[
            b",",
            b"\\,",
            b"\"",
            b"\r\n",
            b"\n",
            b"true",
            b"FALSE",
            b" ",
            b"\t",
            b"+12065551212",
            b"a@b.c",
            b"02/30/1985",
            b"\xEF\xBB\xBF",
            b"\xFF\xFE",
            b"u1",
            b"email_verified",
            b"cognito:username",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for round in 0..500 {
            let mut text = if round % 2 == 0 {
                format!("{SEED_HEADER}\n").into_bytes()
            } else {
                Vec::new()
            };
            for _ in 0..rng.random_range(0..400) {
                text.extend_from_slice(alphabet[rng.random_range(0..alphabet.len())]);
            }
            if round % 50 == 0 {
                text.extend(std::iter::repeat_n(b'x', 20_000));
            }
            let limits = Limits {
                rows_per_job: rng.random_range(1..5),
                bytes_per_job: rng.random_range(1..400),
                max_problems: 5,
            };
            let report = validate(&text[..], &rules(), limits, Some(text.len() as u64)).unwrap();
            assert!(report.problems.iter().all(|p| p.line.is_some()));
        }
    }

    #[test]
    fn problems_are_capped_with_a_count_of_the_rest() {
        let mut text = format!("{SEED_HEADER}\n");
        for _ in 0..10 {
            text.push_str(",,,,,,,,,,maybe,,,,,,false,,,false,u\n");
        }
        let limits = Limits {
            max_problems: 3,
            ..Limits::default()
        };
        let report = validate(text.as_bytes(), &rules(), limits, None).unwrap();
        assert_eq!(report.problems.len(), 3);
        assert!(report.more_problems > 0);
    }
}
