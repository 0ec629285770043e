//! Values as the AWS CLI prints them, and runbook's own aligned listings.
//!
//! [`text`] and [`table`] are the CLI's `--output text` and `--output table`, ported from its
//! formatters (`awscli/text.py`, `awscli/formatter.py`, `awscli/table.py`) so that an operator's
//! eye — and `cut -f2` — finds things where the CLI puts them: text prints a map's plain values
//! on one tab-separated line (keys in order), a list of maps one line per item with the union
//! of their plain members, and each nested list or map on lines of its own starting with its
//! member's name in capitals; table draws the same as boxed sections, one per nested member,
//! turned vertical when wider than the terminal. Values print as Python's `str` prints them
//! (`True`, `None`), as the CLI does.
//!
//! [`columns`] is the one plain table runbook's own listings use (the journal, a fleet's
//! summary, `runbook ops --table`): columns as wide as their widest cell.

use serde_json::Value;

/// `--output`: how `eval` and the REPL print a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// JSON, as `runbook` always printed it (secrets masked).
    #[default]
    Json,
    /// The AWS CLI's text: tab-separated values, nested members on lines of their own.
    Text,
    /// The AWS CLI's table: boxed sections with headers.
    Table,
}

impl Output {
    /// `json`, `text` or `table`, or `None`.
    pub fn parse(word: &str) -> Option<Self> {
        match word.trim() {
            "json" => Some(Self::Json),
            "text" => Some(Self::Text),
            "table" => Some(Self::Table),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Text => "text",
            Self::Table => "table",
        }
    }
}

/// Should output be coloured? Only on a terminal, and never with `NO_COLOR` set
/// (<https://no-color.org>).
pub fn colour() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A script value as `output` shows it, secrets masked: JSON (coloured on a terminal), or the
/// CLI's text or table under `title` (the operation's API name, or empty).
pub fn shown(value: &rhai::Dynamic, output: Output, title: &str) -> String {
    let colour = colour();
    match output {
        Output::Json => {
            let text = crate::value::masked_json(value, true);
            if colour {
                use colored_json::ToColoredJson;
                text.to_colored_json(colored_json::ColorMode::On)
                    .unwrap_or(text)
            } else {
                text
            }
        }
        Output::Text | Output::Table => {
            let json = crate::value::masked_value(value);
            let text = if output == Output::Text {
                text(&json)
            } else {
                table(title, &json, terminal_width(), colour)
            };
            text.strip_suffix('\n').unwrap_or(&text).to_string()
        }
    }
}

/// A value on one line of at most `max` characters, secrets masked, without walking more of it
/// than it shows (a variable may hold a pool's export): `"us-east-1_Ab"`, `42`,
/// `array of 3: ["ann", "bob", …]`, `map of 1: {UserPool: {Arn: "arn:…", …}}`.
pub fn summary(value: &rhai::Dynamic, max: usize) -> String {
    let mut out = String::new();
    if let Some(array) = value.read_lock::<rhai::Array>() {
        out.push_str(&format!("array of {}: ", array.len()));
    } else if let Some(map) = value.read_lock::<rhai::Map>() {
        out.push_str(&format!("map of {}: ", map.len()));
    }
    preview(value, max, &mut out);
    if out.chars().count() > max {
        out = out.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

/// Writes `value` compactly into `out` until it holds more than `max` characters.
fn preview(value: &rhai::Dynamic, max: usize, out: &mut String) {
    let full = |out: &String| out.chars().count() > max;
    if let Some(secret) = value.read_lock::<crate::value::Secret>() {
        out.push_str(&format!("{:?}", secret.shown()));
    } else if let Some(array) = value.read_lock::<rhai::Array>() {
        out.push('[');
        for (i, item) in array.iter().enumerate() {
            if full(out) {
                return;
            }
            if i > 0 {
                out.push_str(", ");
            }
            preview(item, max, out);
        }
        out.push(']');
    } else if let Some(map) = value.read_lock::<rhai::Map>() {
        out.push('{');
        for (i, (k, v)) in map.iter().enumerate() {
            if full(out) {
                return;
            }
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("{k}: "));
            match crate::value::shown_member(k, v) {
                Some(shown) => preview(&shown, max, out),
                None => preview(v, max, out),
            }
        }
        out.push('}');
    } else if let Some(text) = value.read_lock::<rhai::ImmutableString>() {
        let cut: String = text.chars().take(max + 1).collect();
        out.push_str(&format!("{:?}", crate::value::shown_text(&cut)));
    } else {
        out.push_str(&crate::value::masked_json(value, false));
    }
}

/// A value as Python's `str` writes it (the CLI's text and table cells): text as itself,
/// `True`/`False`/`None`, floats as Python's shortest form; a nested value as Python's `repr`.
fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => py_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::from(k.as_str())), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A float as Python's `repr`: `1.0`, `1.5`, `1e+16`, `1e-05`.
fn py_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let magnitude = f.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exponent),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let text = f.to_string();
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

fn is_scalar(value: &Value) -> bool {
    !value.is_array() && !value.is_object()
}

/// Python's truth of a value: `None`, `False`, `0`, `""`, `[]` and `{}` are false.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// The AWS CLI's `--output text` of a value (each line ends with `\n`).
pub fn text(value: &Value) -> String {
    let mut out = String::new();
    text_of(value, None, None, &mut out);
    out
}

fn text_of(
    value: &Value,
    identifier: Option<&str>,
    scalar_keys: Option<&[String]>,
    out: &mut String,
) {
    match value {
        Value::Object(map) => text_of_map(map, identifier, scalar_keys, out),
        Value::Array(items) => text_of_list(items, identifier, out),
        scalar => {
            out.push_str(&py_str(scalar));
            out.push('\n');
        }
    }
}

fn text_of_list(items: &[Value], identifier: Option<&str>, out: &mut String) {
    if items.is_empty() {
        return;
    }
    if items.iter().any(Value::is_object) {
        let mut keys: Vec<String> = items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|m| {
                m.iter()
                    .filter(|(_, v)| is_scalar(v))
                    .map(|(k, _)| k.clone())
            })
            .collect();
        keys.sort();
        keys.dedup();
        for item in items {
            text_of(item, identifier, Some(&keys), out);
        }
    } else if items.iter().any(Value::is_array) {
        let scalars: Vec<&Value> = items.iter().filter(|v| is_scalar(v)).collect();
        if !scalars.is_empty() {
            text_of_scalars(&scalars, identifier, out);
        }
        for nested in items.iter().filter(|v| !is_scalar(v)) {
            text_of(nested, identifier, None, out);
        }
    } else {
        text_of_scalars(&items.iter().collect::<Vec<_>>(), identifier, out);
    }
}

fn text_of_scalars(items: &[&Value], identifier: Option<&str>, out: &mut String) {
    match identifier {
        Some(id) => {
            for item in items {
                out.push_str(&format!("{}\t{}\n", id.to_uppercase(), py_str(item)));
            }
        }
        None => {
            let cells: Vec<String> = items.iter().map(|v| py_str(v)).collect();
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
    }
}

fn text_of_map(
    map: &serde_json::Map<String, Value>,
    identifier: Option<&str>,
    scalar_keys: Option<&[String]>,
    out: &mut String,
) {
    let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let (mut scalars, nested): (Vec<String>, Vec<(&String, &Value)>) = match scalar_keys {
        None => (
            sorted
                .iter()
                .filter(|(_, v)| is_scalar(v))
                .map(|(_, v)| py_str(v))
                .collect(),
            sorted.into_iter().filter(|(_, v)| !is_scalar(v)).collect(),
        ),
        Some(keys) => (
            keys.iter()
                .map(|k| map.get(k).map(py_str).unwrap_or_default())
                .collect(),
            sorted
                .into_iter()
                .filter(|(k, _)| !keys.contains(k))
                .collect(),
        ),
    };
    if !scalars.is_empty() {
        if let Some(id) = identifier {
            scalars.insert(0, id.to_uppercase());
        }
        out.push_str(&scalars.join("\t"));
        out.push('\n');
    }
    for (key, value) in nested {
        text_of(value, Some(key), None, out);
    }
}

/// How wide a cell's text is on a terminal, as the CLI counts it: East Asian wide, full-width
/// and ambiguous characters take two columns, every other one.
fn width(text: &str) -> usize {
    use unicode_width::UnicodeWidthChar;
    text.chars()
        .map(|c| if c.width_cjk() == Some(2) { 2 } else { 1 })
        .sum()
}

/// The terminal's width, or 80 when stdout is not one (as the CLI decides).
pub fn terminal_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map_or(80, |(_, columns)| usize::from(columns))
}

/// One boxed section of a [`table`].
#[derive(Default)]
struct Section {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent: usize,
    widths: Vec<usize>,
}

impl Section {
    fn fit(&mut self, cells: &[String]) {
        if self.widths.is_empty() {
            self.widths = cells.iter().map(|c| width(c)).collect();
        } else {
            for (w, cell) in self.widths.iter_mut().zip(cells) {
                *w = (*w).max(width(cell));
            }
        }
    }

    fn add_header(&mut self, headers: Vec<String>) {
        self.fit(&headers);
        self.headers = headers;
    }

    fn add_row(&mut self, row: Vec<String>) {
        self.fit(&row);
        self.rows.push(row);
    }

    /// Each column's width with `padding`, scaled so that they add up to `total`.
    fn column_widths(&self, padding: usize, total: Option<usize>) -> Vec<usize> {
        let unscaled: Vec<usize> = self.widths.iter().map(|w| w + padding).collect();
        let Some(total) = total.filter(|_| !unscaled.is_empty()) else {
            return unscaled;
        };
        let sum: usize = unscaled.iter().sum();
        let scale = total as f64 / sum as f64;
        let mut scaled: Vec<i64> = unscaled
            .iter()
            .map(|w| (scale * *w as f64).round_ties_even() as i64)
            .collect();
        let mut off_by: i64 = scaled.iter().sum::<i64>() - total as i64;
        while off_by != 0 {
            let order: Vec<usize> = if off_by < 0 {
                (0..scaled.len()).rev().collect()
            } else {
                (0..scaled.len()).collect()
            };
            for i in order {
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled.into_iter().map(|w| w.max(0) as usize).collect()
    }

    fn total_width(&self) -> usize {
        let columns: usize =
            self.column_widths(4, None).iter().sum::<usize>() + 2 + 2 * self.indent;
        columns.max(width(&self.title) + 2 + 2 * self.indent)
    }
}

/// Builds the sections of a table as the CLI's `TableFormatter` does.
struct Builder {
    sections: Vec<Section>,
}

impl Builder {
    fn new_section(&mut self, title: &str, indent: usize) {
        self.sections.push(Section {
            title: title.to_string(),
            indent,
            ..Section::default()
        });
    }

    fn current(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.new_section("", 0);
        }
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    fn build(&mut self, title: Option<&str>, value: &Value, indent: usize) -> bool {
        if !truthy(value) {
            return false;
        }
        if let Some(title) = title {
            self.new_section(title, indent);
        }
        match value {
            Value::Array(items) if items.first().is_some_and(Value::is_object) => {
                self.list_sections(items, indent, title);
            }
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Array(inner) if inner.iter().all(is_scalar) => {
                            self.current().add_row(inner.iter().map(py_str).collect());
                        }
                        Value::Object(map) => {
                            // As the CLI iterates a dict: its keys.
                            self.current().add_row(map.keys().cloned().collect());
                        }
                        Value::Array(_) => {
                            self.build(None, item, 0);
                        }
                        scalar => self.current().add_row(vec![py_str(scalar)]),
                    }
                }
            }
            Value::Object(map) => self.map_section(map, indent),
            _ => {}
        }
        true
    }

    fn split(map: &serde_json::Map<String, Value>) -> (Vec<String>, Vec<String>) {
        let mut headers: Vec<String> = Vec::new();
        let mut more: Vec<String> = Vec::new();
        for (k, v) in map {
            if is_scalar(v) {
                headers.push(k.clone());
            } else {
                more.push(k.clone());
            }
        }
        headers.sort();
        more.sort();
        (headers, more)
    }

    fn map_section(&mut self, map: &serde_json::Map<String, Value>, indent: usize) {
        let (headers, more) = Self::split(map);
        if let [only] = headers.as_slice() {
            let value = py_str(&map[only.as_str()]);
            self.current().add_row(vec![only.clone(), value]);
        } else if !headers.is_empty() {
            let row = headers.iter().map(|h| py_str(&map[h.as_str()])).collect();
            let section = self.current();
            section.add_header(headers);
            section.add_row(row);
        }
        for key in more {
            self.build(Some(&key), &map[key.as_str()], indent + 1);
        }
    }

    fn list_sections(&mut self, items: &[Value], indent: usize, title: Option<&str>) {
        let empty = serde_json::Map::new();
        let mut headers: Vec<String> = Vec::new();
        let mut more: Vec<String> = Vec::new();
        for item in items {
            let (h, m) = Self::split(item.as_object().unwrap_or(&empty));
            headers.extend(h);
            more.extend(m);
        }
        headers.sort();
        headers.dedup();
        more.sort();
        more.dedup();
        self.current().add_header(headers.clone());
        for (i, item) in items.iter().enumerate() {
            let map = item.as_object().unwrap_or(&empty);
            if i > 0 && !more.is_empty() {
                self.new_section(title.unwrap_or(""), indent);
                self.current().add_header(headers.clone());
            }
            let row = headers
                .iter()
                .map(|h| map.get(h).map(py_str).unwrap_or_default())
                .collect();
            self.current().add_row(row);
            for key in &more {
                if let Some(value) = map.get(key) {
                    self.build(Some(key), value, indent + 1);
                }
            }
        }
    }
}

/// `text` centred between `left` and `right` in `length` columns (the CLI's `center_text`).
fn centre(text: &str, shown: &str, length: usize, left: &str, right: &str) -> String {
    let text_len = width(text) as i64;
    let length = length as i64;
    let start = length / 2 - text_len / 2 - 1;
    let so_far = width(left) as i64 + start + text_len;
    let right_spaces = length - width(right) as i64 - so_far;
    format!(
        "{left}{}{shown}{}{right}",
        " ".repeat(start.max(0) as usize),
        " ".repeat(right_spaces.max(0) as usize)
    )
}

/// `text` left-aligned with two spaces before it when they fit (the CLI's `align_left`).
fn align_left(text: &str, shown: &str, length: usize, left: &str, right: &str) -> String {
    let text_len = width(text);
    let padding = if length >= text_len + 2 + left.chars().count() + right.chars().count() {
        2
    } else {
        0
    };
    let so_far = left.chars().count() + padding + text_len;
    let fill = length.saturating_sub(so_far + right.chars().count());
    format!(
        "{left}{}{shown}{}{right}",
        " ".repeat(padding),
        " ".repeat(fill)
    )
}

fn line_break(widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            line.push_str(&format!("+{}+", "-".repeat(w.saturating_sub(2))));
        } else {
            line.push_str(&format!("{}+", "-".repeat(w.saturating_sub(1))));
        }
    }
    line
}

/// The AWS CLI's `--output table` of a value under `title` (the operation's name, as the CLI
/// titles it; empty for none), fitted to `terminal` columns; `colour` styles cells as the CLI
/// does on a terminal. Empty when the value is empty.
pub fn table(title: &str, value: &Value, terminal: usize, colour: bool) -> String {
    let mut builder = Builder {
        sections: Vec::new(),
    };
    if is_scalar(value) && title.is_empty() {
        // Nothing to draw a box around, nor a title to draw (the CLI always has one): the
        // value itself, as text shows it.
        return if truthy(value) {
            text(value)
        } else {
            String::new()
        };
    }
    let title = (!title.is_empty()).then_some(title);
    if !builder.build(title, value, 0) || builder.sections.is_empty() {
        return String::new();
    }
    let mut sections = builder.sections;
    let widest =
        |sections: &[Section]| sections.iter().map(Section::total_width).max().unwrap_or(0);
    let mut max_width = widest(&sections);
    if max_width > terminal {
        // Sections of one row turn vertical: one `header | value` row per column.
        for section in &mut sections {
            if section.rows.len() == 1 && !section.headers.is_empty() {
                let mut vertical = Section {
                    title: std::mem::take(&mut section.title),
                    indent: section.indent,
                    ..Section::default()
                };
                for (h, v) in section.headers.iter().zip(&section.rows[0]) {
                    vertical.add_row(vec![h.clone(), v.clone()]);
                }
                *section = vertical;
            }
        }
        max_width = widest(&sections);
    }
    // On a terminal the CLI shows cells bright blue, the nesting bars dim yellow.
    let cell = |t: &str| {
        if colour {
            format!("\x1b[1m\x1b[34m{t}\x1b[0m")
        } else {
            t.to_string()
        }
    };
    let bar = if colour {
        "\x1b[2m\x1b[33m|\x1b[0m"
    } else {
        "|"
    };
    let mut out = format!("{}\n", "-".repeat(max_width));
    for section in &sections {
        let indent = bar.repeat(section.indent);
        let mut line = |text: String| out.push_str(&format!("{indent}{text}{indent}\n"));
        let inner = max_width.saturating_sub(section.indent * 2);
        if !section.title.is_empty() {
            line(centre(&section.title, &section.title, inner, "|", "|"));
            if section.headers.is_empty() && section.rows.is_empty() {
                line(format!("+{}+", "-".repeat(inner.saturating_sub(2))));
            }
        }
        let widths = section.column_widths(4, Some(inner));
        if !section.headers.is_empty() {
            let mut row = String::new();
            for (i, (w, h)) in widths.iter().zip(&section.headers).enumerate() {
                row.push_str(&centre(h, h, *w, if i == 0 { "|" } else { "" }, "|"));
            }
            line(line_break(&widths));
            line(row);
        }
        if !section.rows.is_empty() && !widths.is_empty() {
            line(line_break(&widths));
            for r in &section.rows {
                let mut row = String::new();
                for (i, (w, c)) in widths.iter().zip(r).enumerate() {
                    row.push_str(&align_left(
                        c,
                        &cell(c),
                        *w,
                        if i == 0 { "|" } else { "" },
                        "|",
                    ));
                }
                line(row);
            }
            line(line_break(&widths));
        }
    }
    out
}

/// Rows under a header line, each column as wide as its widest cell (by terminal width, so
/// wide characters line up), two spaces between columns, the last column not padded.
pub fn columns(headers: &[&str], rows: &[Vec<String>]) -> String {
    let count = headers
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    let mut widths = vec![0; count];
    let all = std::iter::once(headers.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .chain(rows.iter().cloned());
    let lines: Vec<Vec<String>> = all.collect();
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(unicode_width::UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let mut out = String::new();
    for line in lines.iter().filter(|l| !l.is_empty()) {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i + 1 == line.len() {
                text.push_str(cell);
            } else {
                let pad =
                    widths[i].saturating_sub(unicode_width::UnicodeWidthStr::width(cell.as_str()));
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_print_as_python_prints_them() {
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(1.0)), "1.0");
        assert_eq!(py_str(&json!(1.5)), "1.5");
        assert_eq!(py_str(&json!(1e16)), "1e+16");
        assert_eq!(py_str(&json!(0.00001)), "1e-05");
        assert_eq!(py_str(&json!(["a", 1])), "['a', 1]");
    }

    #[test]
    fn text_puts_plain_values_on_a_line_and_nested_ones_under_their_name() {
        let value = json!({
            "Users": [
                {"Username": "ann", "Enabled": true, "Attributes": [{"Name": "email", "Value": "a@x"}]},
                {"Username": "bob", "Extra": 1}
            ],
            "NextToken": "t"
        });
        assert_eq!(
            text(&value),
            "t\nUSERS\tTrue\t\tann\nATTRIBUTES\temail\ta@x\nUSERS\t\t1\tbob\n"
        );
        assert_eq!(text(&json!(["a", "b"])), "a\tb\n");
        assert_eq!(text(&json!([])), "");
    }

    #[test]
    fn a_table_too_wide_for_the_terminal_turns_vertical() {
        // What the AWS CLI's TableFormatter prints for this value at 200 and 40 columns.
        let value =
            json!({"Pool": {"Name": "a-rather-long-pool-name", "Id": "eu-west-1_AbCdEfGhI"}});
        assert_eq!(
            table("DescribeUserPool", &value, 200, false),
            "------------------------------------------------------
|                  DescribeUserPool                  |
+----------------------------------------------------+
||                       Pool                       ||
|+----------------------+---------------------------+|
||          Id          |           Name            ||
|+----------------------+---------------------------+|
||  eu-west-1_AbCdEfGhI |  a-rather-long-pool-name  ||
|+----------------------+---------------------------+|
"
        );
        assert_eq!(
            table("DescribeUserPool", &value, 40, false),
            "---------------------------------------
|          DescribeUserPool           |
+-------------------------------------+
||               Pool                ||
|+------+----------------------------+|
||  Id  |  eu-west-1_AbCdEfGhI       ||
||  Name|  a-rather-long-pool-name   ||
|+------+----------------------------+|
"
        );
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = vec![
            vec![
                "1".into(),
                "cognito::admin_update_user_attributes".into(),
                "ok".into(),
            ],
            vec![
                "22".into(),
                "iam::get_role".into(),
                "failed: NoSuchEntity".into(),
            ],
            vec!["3".into(), "名前".into(), "ok".into()],
        ];
        let text = columns(&["#", "call", "outcome"], &rows);
        assert_eq!(
            text,
            "#   call                                   outcome\n\
             1   cognito::admin_update_user_attributes  ok\n\
             22  iam::get_role                          failed: NoSuchEntity\n\
             3   名前                                   ok\n"
        );
    }

    #[test]
    fn a_summary_stops_where_the_line_ends() {
        let mut big = rhai::Array::new();
        for i in 0..100_000 {
            big.push(rhai::Dynamic::from(format!("user{i}")));
        }
        let line = summary(&rhai::Dynamic::from(big), 40);
        assert_eq!(line.chars().count(), 40, "{line}");
        assert!(
            line.starts_with("array of 100000: [\"user0\", \"user1\""),
            "{line}"
        );
        let mut map = rhai::Map::new();
        map.insert("Password".into(), rhai::Dynamic::from("Hunter2!"));
        assert_eq!(
            summary(&rhai::Dynamic::from(map), 60),
            "map of 1: {Password: \"********\"}"
        );
    }
}
