//! The stories report as text (for a person at a terminal), JSON (for programs) and HTML (one
//! self-contained page).
//!
//! The text report is a summary by default: per story its label, dates, article count and
//! outlets, and its syndication groups with their outlets and passage lengths, so that a day of
//! news fits in a few screens. `--detail` adds each article's alignment with the others, sentence
//! by sentence, wrapped and never cut. Site furniture is never shown as article text.

use std::fmt::Write;
use std::io::Write as _;

use ahash::AHashMap;

use storydup_core::stories::article::Article;
use storydup_core::stories::diff::{Basis, VariantDiff};
use storydup_core::stories::{Report, Story};

/// Width of the text report.
const WIDTH: usize = 100;
/// Outlets named on a story's line; the rest are counted.
const MAX_OUTLETS: usize = 8;
/// Passage lengths listed for a group; the rest are counted.
const MAX_PASSAGES: usize = 8;

/// "1 story", "1,326 stories": [`crate::plural::count`] over the report's `usize` counts.
fn count(n: usize, one: &str, many: &str) -> String {
    crate::plural::count(n as u64, one, many)
}

/// `text` wrapped at [`WIDTH`]: the first line starts with `first`, the others with `indent`
/// spaces. Words are never cut; a word longer than a line gets a line of its own.
fn wrap(o: &mut String, first: &str, indent: usize, text: &str) {
    let mut line = first.to_string();
    let mut width = first.chars().count();
    let mut empty = true;
    for w in text.split_whitespace() {
        let n = w.chars().count();
        if !empty && width + 1 + n > WIDTH {
            let _ = writeln!(o, "{}", line.trim_end());
            line = " ".repeat(indent);
            width = indent;
            empty = true;
        }
        if !empty {
            line.push(' ');
            width += 1;
        }
        line.push_str(w);
        width += n;
        empty = false;
    }
    let _ = writeln!(o, "{}", line.trim_end());
}

/// The report as pretty JSON with a final line end (stable order: stories by first article,
/// variants by input order).
pub fn json(report: &Report) -> String {
    let mut out = Vec::new();
    write_json(report, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// [`json`], written as it is made (the report of 100,000 articles is never held twice).
///
/// # Errors
/// The writer's.
pub fn write_json(report: &Report, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

struct Paint(bool);

impl Paint {
    fn code(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// How a person knows the articles: record id → article.
struct Names<'a> {
    by_key: AHashMap<&'a str, &'a Article>,
}

impl<'a> Names<'a> {
    fn new(articles: &'a [Article]) -> Names<'a> {
        Names {
            by_key: articles.iter().map(|a| (a.key.as_str(), a)).collect(),
        }
    }

    /// The outlet of a record without "www.", or its id when it has none.
    fn outlet(&self, id: &str) -> String {
        self.by_key
            .get(id)
            .and_then(|a| a.source.as_deref())
            .map(|s| s.trim().strip_prefix("www.").unwrap_or(s.trim()).to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.to_string())
    }

    /// Names of the members of a group: outlets, with the id where an outlet ran two of them.
    fn members(&self, ids: &[String]) -> Vec<String> {
        let outlets: Vec<String> = ids.iter().map(|d| self.outlet(d)).collect();
        outlets
            .iter()
            .zip(ids)
            .map(|(o, d)| {
                if o != d && outlets.iter().filter(|x| *x == o).count() > 1 {
                    format!("{o} ({d})")
                } else {
                    o.clone()
                }
            })
            .collect()
    }

    /// "headline · outlet · date · id" for an article, as far as the input says.
    fn about(&self, id: &str) -> String {
        let Some(a) = self.by_key.get(id) else {
            return id.to_string();
        };
        let mut parts: Vec<String> = Vec::new();
        parts.extend(headline(a));
        let outlet = self.outlet(id);
        if outlet != id {
            parts.push(outlet);
        }
        if let Some(d) = a.date_shown() {
            parts.push(d);
        }
        parts.push(id.to_string());
        parts.join(" · ")
    }
}

/// An article's title, or the title-like first line of its text.
fn headline(a: &Article) -> Option<String> {
    a.title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or_else(|| storydup_core::stories::first_line_headline(a))
}

/// "2017-12-27", "2017-12-27 to 2017-12-30", or the runs of a story whose dates fall apart.
fn dates(st: &Story) -> Option<String> {
    let span = |r: &storydup_core::stories::DateRun| {
        if r.first == r.last {
            r.first.clone()
        } else {
            format!("{} to {}", r.first, r.last)
        }
    };
    match st.dates.as_slice() {
        [] => None,
        [one] => Some(span(one)),
        runs => Some(format!(
            "dates in {} runs weeks apart, {} (may join separate events)",
            runs.len(),
            runs.iter()
                .map(|r| format!("{}: {}", span(r), count(r.articles, "article", "articles")))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// The report as text; `colour` adds ANSI colours (use it only on a terminal); `detail` adds
/// every article's sentences against the others.
pub fn text(report: &Report, articles: &[Article], colour: bool, detail: bool) -> String {
    let p = Paint(colour);
    let names = Names::new(articles);
    let mut o = String::new();
    let groups: usize = report.stories.iter().map(|s| s.groups.len()).sum();
    let multi = report.stories.iter().filter(|s| s.documents.len() > 1).count();
    let _ = write!(
        o,
        "{}, {} ({} with more than one article), {}",
        count(report.num_documents, "article", "articles"),
        count(report.stories.len(), "story", "stories"),
        multi,
        count(groups, "syndication group", "syndication groups")
    );
    if !report.rejected.is_empty() {
        let _ = write!(o, ", {} set aside", count(report.rejected.len(), "record", "records"));
    }
    let _ = writeln!(o);
    for r in &report.rejected {
        wrap(&mut o, &format!("  rejected {}:{}: ", r.file, r.line), 4, &r.reason);
    }
    for st in &report.stories {
        let _ = writeln!(o);
        wrap(
            &mut o,
            &format!("{}: ", p.code("1", &format!("Story {}", st.id))),
            4,
            &st.label,
        );
        let mut facts = vec![count(st.documents.len(), "article", "articles")];
        facts.extend(dates(st));
        if !st.outlets.is_empty() {
            let mut named: Vec<String> = st
                .outlets
                .iter()
                .take(MAX_OUTLETS)
                .map(|x| {
                    if x.articles > 1 {
                        format!("{} {}", x.name, x.articles)
                    } else {
                        x.name.clone()
                    }
                })
                .collect();
            if st.outlets.len() > MAX_OUTLETS {
                named.push(format!("{} more", st.outlets.len() - MAX_OUTLETS));
            }
            facts.push(named.join(", "));
        }
        wrap(&mut o, "  ", 4, &facts.join(" · "));
        for g in &st.groups {
            let members = names.members(&g.documents);
            wrap(
                &mut o,
                &format!("  {} ", p.code("1", &format!("Syndication group {}:", g.id))),
                4,
                &format!(
                    "{} (reference {})",
                    members.join(", "),
                    names.members(std::slice::from_ref(&g.reference))[0]
                ),
            );
            let mut lengths: Vec<String> = g
                .passages
                .iter()
                .take(MAX_PASSAGES)
                .map(|ps| {
                    if ps.documents.len() == g.documents.len() {
                        format!("{} words", ps.words)
                    } else {
                        format!("{} words in {} of them", ps.words, ps.documents.len())
                    }
                })
                .collect();
            if g.passages.len() > MAX_PASSAGES {
                lengths.push(format!("{} more", g.passages.len() - MAX_PASSAGES));
            }
            wrap(
                &mut o,
                "    ",
                6,
                &format!(
                    "{}: {}",
                    count(g.passages.len(), "passage", "passages"),
                    lengths.join(", ")
                ),
            );
        }
        if detail {
            for v in &st.variants {
                variant_text(&mut o, v, &names, &p);
            }
        }
    }
    if !detail && report.stories.iter().any(|s| !s.variants.is_empty()) {
        let _ = writeln!(
            o,
            "\n(--detail adds each article's sentences: shared, rewritten, added, dropped; -f html a page)"
        );
    }
    o
}

fn variant_text(o: &mut String, v: &VariantDiff, names: &Names<'_>, p: &Paint) {
    let _ = writeln!(o);
    wrap(
        o,
        &format!("  {} ", p.code("1", "Article")),
        4,
        &names.about(&v.document),
    );
    let (shared, rewritten, added) = v.counts();
    let mut line = format!(
        "against {}: {} shared, {} rewritten, {} added",
        count(v.against.len(), "article", "articles"),
        shared,
        rewritten,
        added
    );
    if !v.dropped.is_empty() {
        let _ = write!(
            line,
            ", {} dropped from {}",
            v.dropped.len(),
            names.outlet(&v.dropped[0].document)
        );
    }
    if !v.furniture.is_empty() {
        let _ = write!(
            line,
            " ({} not shown)",
            count(v.furniture.len(), "furniture line", "furniture lines")
        );
    }
    wrap(o, "    ", 4, &line);
    // Sentences in text order, each with what it is paired with.
    let mut order: Vec<(u32, u8, usize)> = Vec::new();
    order.extend(v.shared.iter().enumerate().map(|(k, s)| (s.at.sentence, 0, k)));
    order.extend(v.rewritten.iter().enumerate().map(|(k, r)| (r.at.sentence, 1, k)));
    order.extend(v.added.iter().enumerate().map(|(k, a)| (a.sentence, 2, k)));
    order.sort_unstable();
    let mut last = u32::MAX;
    for (sentence, kind, k) in order {
        if sentence != last {
            let (mark, text) = match kind {
                0 => (p.code("32", "="), &v.shared[k].at.text),
                1 => (p.code("33", "~"), &v.rewritten[k].at.text),
                _ => ("+".to_string(), &v.added[k].text),
            };
            wrap(o, &format!("    {mark} s{sentence:<4}"), 10, text);
            last = sentence;
        }
        match kind {
            0 => wrap(
                o,
                "          ",
                12,
                &format!("shared with {}", names.members(&v.shared[k].with).join(", ")),
            ),
            1 => {
                let r = &v.rewritten[k];
                let how = match r.basis {
                    Basis::Wording => "reworded",
                    Basis::Facts => "same fact",
                };
                wrap(
                    o,
                    "          ",
                    12,
                    &format!(
                        "{how} in {} s{} ({:.2}): {}",
                        names.outlet(&r.other),
                        r.other_sentence,
                        r.similarity,
                        r.other_text
                    ),
                );
            }
            _ => {}
        }
    }
    for d in &v.dropped {
        wrap(
            o,
            &format!("    {} s{:<4}", p.code("31", "-"), d.at.sentence),
            10,
            &d.at.text,
        );
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const CSS: &str = "*{box-sizing:border-box}body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:20px 24px;max-width:1400px;color:#222;background:#fafafa}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 2px;border-bottom:1px solid #ccc;padding-bottom:3px}h3{font-size:15px;margin:14px 0 2px}\
.meta{color:#555;font-size:13px;margin:2px 0}.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px;margin-top:8px}\
.col{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px;min-width:0;overflow-wrap:anywhere}.col h4{margin:0 0 2px;font-size:14px}\
.s{border-radius:3px;padding:0 1px}.shared{background:#bfe6bf}.rewritten{background:#ffe08a}.added{color:#444}\
.dropped{color:#8a1c1c;font-size:13px;margin:2px 0 2px 10px}.legend span{margin-right:12px;padding:1px 6px}.p{margin:0 0 8px}\
details{margin:10px 0}summary{cursor:pointer;font-weight:600}";

/// The report as one self-contained HTML page.
pub fn html(report: &Report, articles: &[Article]) -> String {
    let names = Names::new(articles);
    let mut o = String::new();
    let _ = write!(o, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>storydup stories</title><style>{CSS}</style></head><body>");
    let groups: usize = report.stories.iter().map(|s| s.groups.len()).sum();
    let _ = write!(
        o,
        "<h1>Stories: {}, {}, {}</h1>\
         <p class=\"legend meta\">Sentences: <span class=\"s shared\">shared word for word</span><span class=\"s rewritten\">rewritten (reworded, or the same fact)</span>\
         <span class=\"s added\">only in this article</span><span class=\"dropped\">dropped from the reference copy</span> · hover a sentence for its partners</p>",
        count(report.num_documents, "article", "articles"),
        count(report.stories.len(), "story", "stories"),
        count(groups, "syndication group", "syndication groups")
    );
    if !report.rejected.is_empty() {
        let _ = write!(
            o,
            "<p class=\"meta\">{} set aside: {}</p>",
            count(report.rejected.len(), "record", "records"),
            esc(&report
                .rejected
                .iter()
                .map(|r| format!("{}:{} ({})", r.file, r.line, r.kind))
                .collect::<Vec<_>>()
                .join(", "))
        );
    }
    for st in &report.stories {
        let mut facts = vec![count(st.documents.len(), "article", "articles")];
        facts.extend(dates(st));
        if !st.outlets.is_empty() {
            facts.push(
                st.outlets
                    .iter()
                    .map(|x| {
                        if x.articles > 1 {
                            format!("{} ({})", x.name, x.articles)
                        } else {
                            x.name.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        let _ = write!(
            o,
            "<h2>Story {}: {}</h2><p class=\"meta\">{}</p>",
            st.id,
            esc(&st.label),
            esc(&facts.join(" · "))
        );
        let by_doc: AHashMap<&str, &VariantDiff> = st.variants.iter().map(|v| (v.document.as_str(), v)).collect();
        for g in &st.groups {
            let lengths: Vec<String> = g.passages.iter().map(|p| format!("{} words", p.words)).collect();
            let _ = write!(
                o,
                "<h3>Syndication group {}: {}</h3><p class=\"meta\">reference copy: {} · {}: {}</p><div class=\"cols\">",
                g.id,
                esc(&names.members(&g.documents).join(", ")),
                esc(&names.about(&g.reference)),
                count(g.passages.len(), "reprinted passage", "reprinted passages"),
                esc(&lengths.join(", "))
            );
            for d in &g.documents {
                if let (Some(a), Some(v)) = (names.by_key.get(d.as_str()), by_doc.get(d.as_str())) {
                    column(&mut o, a, v, &names);
                }
            }
            o.push_str("</div>");
        }
        let loose: Vec<&VariantDiff> = st
            .variants
            .iter()
            .filter(|v| !st.groups.iter().any(|g| g.documents.contains(&v.document)))
            .collect();
        if !loose.is_empty() {
            let open = if st.groups.is_empty() { " open" } else { "" };
            let _ = write!(
                o,
                "<details{open}><summary>{} of the story</summary><div class=\"cols\">",
                if st.groups.is_empty() {
                    "The articles".to_string()
                } else {
                    format!("The {} other", count(loose.len(), "article", "articles"))
                }
            );
            for v in loose {
                if let Some(a) = names.by_key.get(v.document.as_str()) {
                    column(&mut o, a, v, &names);
                }
            }
            o.push_str("</div></details>");
        }
    }
    o.push_str("</body></html>\n");
    o
}

fn column(o: &mut String, a: &Article, v: &VariantDiff, names: &Names<'_>) {
    let n = a.sentences.len();
    let mut class = vec!["added"; n];
    let mut title: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut hidden = vec![false; n];
    for f in &v.furniture {
        hidden[f.sentence as usize] = true;
    }
    for r in &v.rewritten {
        let i = r.at.sentence as usize;
        class[i] = "rewritten";
        let how = match r.basis {
            Basis::Wording => "reworded",
            Basis::Facts => "same fact",
        };
        title[i].push(format!(
            "{how} in {} s{} ({:.2}): {}",
            names.outlet(&r.other),
            r.other_sentence,
            r.similarity,
            r.other_text
        ));
    }
    for s in &v.shared {
        let i = s.at.sentence as usize;
        class[i] = "shared";
        title[i].insert(
            0,
            format!("shared word for word with {}", names.members(&s.with).join(", ")),
        );
    }
    for s in &v.added {
        title[s.sentence as usize].push("only in this article".into());
    }
    let (shared, rewritten, added) = v.counts();
    let heading = headline(a).unwrap_or_else(|| names.outlet(&a.key));
    let mut meta: Vec<String> = Vec::new();
    let outlet = names.outlet(&a.key);
    if outlet != a.key {
        meta.push(outlet);
    }
    meta.extend(a.date_shown());
    meta.push(a.key.clone());
    let _ = write!(
        o,
        "<div class=\"col\"><h4>{}</h4><p class=\"meta\">{}</p><p class=\"meta\">{} shared · {} rewritten · {} added{}{}</p><p class=\"p\">",
        esc(&heading),
        esc(&meta.join(" · ")),
        shared,
        rewritten,
        added,
        if v.dropped.is_empty() {
            String::new()
        } else {
            format!(" · {} dropped", v.dropped.len())
        },
        if v.furniture.is_empty() {
            String::new()
        } else {
            format!(" · {} hidden", count(v.furniture.len(), "furniture line", "furniture lines"))
        }
    );
    let mut para = a.sentences.first().map(|s| s.para).unwrap_or(0);
    for (i, s) in a.sentences.iter().enumerate() {
        if hidden[i] {
            continue;
        }
        if s.para != para {
            o.push_str("</p><p class=\"p\">");
            para = s.para;
        }
        let _ = write!(
            o,
            "<span class=\"s {}\" title=\"{}\">{}</span> ",
            class[i],
            esc(&title[i].join("\n")),
            esc(s.text(&a.text))
        );
    }
    o.push_str("</p>");
    if let Some(first) = v.dropped.first() {
        let _ = write!(
            o,
            "<p class=\"meta\"><b>Not carried from the reference copy ({}):</b></p>",
            esc(&names.outlet(&first.document))
        );
    }
    for d in &v.dropped {
        let _ = write!(
            o,
            "<p class=\"dropped\" title=\"{} s{}\">{}</p>",
            esc(&d.document),
            d.at.sentence,
            esc(&d.at.text)
        );
    }
    o.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_never_cuts_a_word() {
        let mut o = String::new();
        let text = "word ".repeat(60) + &"x".repeat(150);
        wrap(&mut o, "    + s1   ", 12, &text);
        assert!(o.lines().all(|l| l.chars().count() <= WIDTH || !l.trim().contains(' ')));
        let back: Vec<&str> = o.split_whitespace().skip(2).collect();
        assert_eq!(back.join(" "), text.trim());
    }
}
