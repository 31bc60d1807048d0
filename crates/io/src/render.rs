//! The stories report as text (for a terminal), JSON (for programs) and HTML (one
//! self-contained page: stories, and each syndication group's variants side by side with shared,
//! rewritten and added sentences highlighted, and the dropped ones listed).

use std::fmt::Write;

use storydup_core::stories::article::Article;
use storydup_core::stories::diff::VariantDiff;
use storydup_core::stories::Report;

const MAX_LINE: usize = 150;

/// "1 story", "2 stories".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn clip(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= MAX_LINE {
        return s;
    }
    let cut: String = s.chars().take(MAX_LINE - 1).collect();
    format!("{cut}…")
}

/// The report as pretty JSON with a final line end (stable order: stories by first article,
/// variants by input order).
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("the report serializes");
    s.push('\n');
    s
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

/// The report as text; `colour` adds ANSI colours (use it only on a terminal).
pub fn text(report: &Report, colour: bool) -> String {
    let p = Paint(colour);
    let mut o = String::new();
    let groups: usize = report.stories.iter().map(|s| s.groups.len()).sum();
    let multi = report.stories.iter().filter(|s| s.documents.len() > 1).count();
    let _ = writeln!(
        o,
        "{}, {} ({} with more than one article), {}",
        count(report.num_documents, "article", "articles"),
        count(report.stories.len(), "story", "stories"),
        multi,
        count(groups, "syndication group", "syndication groups")
    );
    for st in &report.stories {
        let _ = writeln!(
            o,
            "\n{} {} ({}): {}",
            p.code("1", "Story"),
            st.id,
            count(st.documents.len(), "article", "articles"),
            st.label
        );
        let _ = writeln!(o, "  articles: {}", st.documents.join(", "));
        for g in &st.groups {
            let _ = writeln!(
                o,
                "  {} {}: {} (reference {})",
                p.code("1", "Syndication group"),
                g.id,
                g.documents.join(", "),
                g.reference
            );
            for ps in &g.passages {
                let [a, b] = &ps.documents;
                let _ = writeln!(
                    o,
                    "    passage of {} words: {} bytes {}..{} = {} bytes {}..{}",
                    ps.words, a.id, a.start, a.end, b.id, b.start, b.end
                );
                let _ = writeln!(o, "      \"{}\"", clip(&ps.text));
            }
        }
        for v in &st.variants {
            variant_text(&mut o, v, &p);
        }
    }
    o
}

fn variant_text(o: &mut String, v: &VariantDiff, p: &Paint) {
    let against = if v.against.is_empty() {
        "reference copy".to_string()
    } else if v.against.len() == 1 {
        format!("against {}", v.against[0])
    } else {
        format!("against the {} other articles of the story", v.against.len())
    };
    let _ = writeln!(
        o,
        "  {} {} ({}): {} shared, {} rewritten, {} added, {} dropped",
        p.code("1", "Variant"),
        v.document,
        against,
        v.shared.len(),
        v.rewritten.len(),
        v.added.len(),
        v.dropped.len()
    );
    for s in &v.shared {
        let _ = writeln!(
            o,
            "    = shared    s{:<3} {}  [with {}]",
            s.at.sentence,
            clip(&s.at.text),
            s.with.join(", ")
        );
    }
    for r in &v.rewritten {
        let _ = writeln!(
            o,
            "    {} s{:<3} {}",
            p.code("33", "~ rewritten"),
            r.at.sentence,
            clip(&r.at.text)
        );
        let _ = writeln!(
            o,
            "                was   {}  [{} s{}, similarity {:.2}]",
            clip(&r.other_text),
            r.other,
            r.other_sentence,
            r.similarity
        );
    }
    for a in &v.added {
        let _ = writeln!(
            o,
            "    {}     s{:<3} {}",
            p.code("32", "+ added"),
            a.sentence,
            clip(&a.text)
        );
    }
    for d in &v.dropped {
        let _ = writeln!(
            o,
            "    {}   {} s{} {}",
            p.code("31", "- dropped"),
            d.document,
            d.at.sentence,
            clip(&d.at.text)
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

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}\
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}h3{font-size:15px}\
.meta{color:#666;font-size:13px}.cols{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(280px,1fr);gap:12px;overflow-x:auto}\
.col{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px}.col h4{margin:0 0 6px;font-size:13px}\
.s{border-radius:3px;padding:0 1px}.shared{background:#d7f0d7}.rewritten{background:#ffe9a8}.added{background:#cfe3ff}\
.dropped{color:#a00;text-decoration:line-through;font-size:13px;margin:2px 0}\
.legend span{margin-right:10px;padding:1px 6px}.p{margin:0 0 8px}details{margin:6px 0}";

/// The report as one self-contained HTML page.
pub fn html(report: &Report, articles: &[Article]) -> String {
    let by_key: ahash::AHashMap<&str, &Article> = articles.iter().map(|a| (a.key.as_str(), a)).collect();
    let mut o = String::new();
    let _ = write!(o, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>storydup stories</title><style>{CSS}</style></head><body>");
    let groups: usize = report.stories.iter().map(|s| s.groups.len()).sum();
    let _ = write!(
        o,
        "<h1>storydup: {}, {}, {}</h1>\
         <p class=\"legend\"><span class=\"s shared\">shared</span><span class=\"s rewritten\">rewritten</span>\
         <span class=\"s added\">added</span><span class=\"dropped\">dropped</span></p>",
        count(report.num_documents, "article", "articles"),
        count(report.stories.len(), "story", "stories"),
        count(groups, "syndication group", "syndication groups")
    );
    for st in &report.stories {
        let _ = write!(
            o,
            "<h2>Story {}: {}</h2><p class=\"meta\">{}: {}</p>",
            st.id,
            esc(&st.label),
            count(st.documents.len(), "article", "articles"),
            esc(&st.documents.join(", "))
        );
        for g in &st.groups {
            let _ = write!(
                o,
                "<h3>Syndication group {}: {} (reference {})</h3><p class=\"meta\">{}</p><div class=\"cols\">",
                g.id,
                esc(&g.documents.join(", ")),
                esc(&g.reference),
                count(g.passages.len(), "reused passage", "reused passages")
            );
            for d in &g.documents {
                let (Some(a), Some(v)) = (by_key.get(d.as_str()), st.variants.iter().find(|v| &v.document == d)) else {
                    continue;
                };
                column(&mut o, a, v);
            }
            o.push_str("</div>");
        }
        let loose: Vec<&VariantDiff> = st
            .variants
            .iter()
            .filter(|v| !st.groups.iter().any(|g| g.documents.contains(&v.document)))
            .collect();
        if !loose.is_empty() {
            let _ = write!(
                o,
                "<details><summary>Other articles of the story ({})</summary><div class=\"cols\">",
                loose.len()
            );
            for v in loose {
                if let Some(a) = by_key.get(v.document.as_str()) {
                    column(&mut o, a, v);
                }
            }
            o.push_str("</div></details>");
        }
    }
    o.push_str("</body></html>\n");
    o
}

fn column(o: &mut String, a: &Article, v: &VariantDiff) {
    let mut class = vec![""; a.sentences.len()];
    let mut title = vec![String::new(); a.sentences.len()];
    for s in &v.shared {
        class[s.at.sentence as usize] = "shared";
        title[s.at.sentence as usize] = format!("shared with {}", s.with.join(", "));
    }
    for r in &v.rewritten {
        class[r.at.sentence as usize] = "rewritten";
        title[r.at.sentence as usize] = format!(
            "was ({} s{}, {:.2}): {}",
            r.other, r.other_sentence, r.similarity, r.other_text
        );
    }
    for s in &v.added {
        class[s.sentence as usize] = "added";
        title[s.sentence as usize] = "in no other article".into();
    }
    // Headline, outlet and date when the input has them: a reader knows a page by these, not ids.
    let about: Vec<String> = [
        a.title.as_deref(),
        a.source.as_deref(),
        a.date.as_deref().map(|d| d.get(..10).unwrap_or(d)),
    ]
    .into_iter()
    .flatten()
    .map(esc)
    .collect();
    let _ = write!(
        o,
        "<div class=\"col\"><h4>{}</h4><p class=\"meta\">{}</p><p class=\"meta\">{} shared · {} rewritten · {} added · {} dropped</p><p class=\"p\">",
        esc(&a.key),
        about.join(" · "),
        v.shared.len(),
        v.rewritten.len(),
        v.added.len(),
        v.dropped.len()
    );
    let mut para = a.sentences.first().map(|s| s.para).unwrap_or(0);
    for (i, s) in a.sentences.iter().enumerate() {
        if s.para != para {
            o.push_str("</p><p class=\"p\">");
            para = s.para;
        }
        let _ = write!(
            o,
            "<span class=\"s {}\" title=\"{}\">{}</span> ",
            class[i],
            esc(&title[i]),
            esc(s.text(&a.text))
        );
    }
    o.push_str("</p>");
    if let Some(first) = v.dropped.first() {
        let _ = write!(o, "<p class=\"meta\"><b>Dropped from {}:</b></p>", esc(&first.document));
    }
    for d in &v.dropped {
        let _ = write!(
            o,
            "<p class=\"dropped\" title=\"in {} s{}\">{}</p>",
            esc(&d.document),
            d.at.sentence,
            esc(&d.at.text)
        );
    }
    o.push_str("</div>");
}
