//! What "the same text" means: Unicode NFKC, lower case, and every run of characters that are not
//! letters or digits (punctuation, symbols, whitespace, `_`) folded into one word break.
//!
//! So "Déjà-vu", "DÉJÀ VU" and "déjà… vu" are the same two words, and a full-width "ＡＢＣ" is
//! "abc". Letters and digits are Unicode's (`char::is_alphanumeric`), so every script works; texts
//! in scripts without spaces (Chinese, Japanese, Thai) become one long word per run, for which
//! `--shingle char:N` is the right choice.
//!
//! Pure-ASCII text (most of most corpora) takes a byte-level fast path that gives exactly the same
//! words as the Unicode path (NFKC and lower-casing leave ASCII letters and digits as they are).

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Calls `f` with each normalized word of `text`, in order, as UTF-8 bytes.
///
/// `scratch` is reused between calls so that no word allocates.
pub fn for_each_word(text: &str, scratch: &mut Vec<u8>, f: impl FnMut(&[u8])) {
    if text.is_ascii() {
        for_each_ascii_word(text.as_bytes(), scratch, f);
        return;
    }
    scratch.clear();
    // Most non-ASCII news text (curly quotes, accented names) is already NFKC: skip the
    // decomposition and recomposition when Unicode's quick check says so.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        mixed_words(text, scratch, f);
    } else {
        unicode_words(text.nfkc(), scratch, f);
    }
}

/// Replaces `out` with the normalized text (its words joined by single spaces, as [`normalize`]
/// gives it) and `ends` with the end offset of each word in `out`.
///
/// The same words as [`for_each_word`]; pure-ASCII text is written in one table-driven pass.
pub fn normalize_into(text: &str, scratch: &mut Vec<u8>, out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    out.clear();
    ends.clear();
    if text.is_ascii() {
        ascii_into(text.as_bytes(), out, ends);
        return;
    }
    for_each_word(text, scratch, |w| {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(w);
        ends.push(out.len());
    });
}

/// ASCII letters and digits, lower-cased; 0 for every other byte (a word break).
static ASCII_WORD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// [`normalize_into`] for ASCII text: one pass, every byte looked up once, and no branch that
/// depends on the text (a word boundary every few bytes would otherwise mispredict each time).
fn ascii_into(bytes: &[u8], out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    // The output is never longer than the input plus one space; there are at most
    // (len + 1) / 2 words, and every byte writes one slot of `ends` (kept or overwritten).
    out.resize(bytes.len() + 1, 0);
    ends.resize(bytes.len() / 2 + 2, 0);
    // Slices, not the vectors, in the loop: their pointers and lengths then stay in registers.
    let buf = &mut out[..bytes.len() + 1];
    let word_ends = &mut ends[..bytes.len() / 2 + 2];
    let (mut j, mut k, mut in_word) = (0usize, 0usize, false);
    for &b in bytes {
        let c = ASCII_WORD[b as usize];
        let is_word = c != 0;
        // A break right after a word ends it at j.
        word_ends[k] = j;
        k += usize::from(in_word & !is_word);
        // A letter or digit is written; of a run of breaks only the first, as one space.
        buf[j] = if is_word { c } else { b' ' };
        j += usize::from(is_word | in_word);
        in_word = is_word;
    }
    if in_word {
        word_ends[k] = j;
        k += 1;
    } else {
        j = j.saturating_sub(1); // the space after the last word, if any
    }
    out.truncate(j);
    ends.truncate(k);
}

/// Words of NFKC text that is mostly ASCII: ASCII bytes take the byte path, other characters
/// are decoded where they stand. Same words as [`unicode_words`] over `text.chars()`.
fn mixed_words(text: &str, scratch: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let b = text.as_bytes();
    let mut buf = [0u8; 4];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if c.is_ascii_alphanumeric() {
                scratch.push(c.to_ascii_lowercase());
            } else if !scratch.is_empty() {
                f(scratch);
                scratch.clear();
            }
            i += 1;
            continue;
        }
        let ch = text[i..].chars().next().expect("i is on a char boundary");
        i += ch.len_utf8();
        if ch.is_alphanumeric() {
            for l in ch.to_lowercase() {
                scratch.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        } else if !scratch.is_empty() {
            f(scratch);
            scratch.clear();
        }
    }
    if !scratch.is_empty() {
        f(scratch);
        scratch.clear();
    }
}

fn unicode_words(chars: impl Iterator<Item = char>, scratch: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let mut buf = [0u8; 4];
    for c in chars {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                scratch.push(c.to_ascii_lowercase() as u8);
            } else {
                for l in c.to_lowercase() {
                    scratch.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            }
        } else if !scratch.is_empty() {
            f(scratch);
            scratch.clear();
        }
    }
    if !scratch.is_empty() {
        f(scratch);
        scratch.clear();
    }
}

fn for_each_ascii_word(bytes: &[u8], scratch: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        while i < n && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let start = i;
        let mut has_upper = false;
        while i < n && bytes[i].is_ascii_alphanumeric() {
            has_upper |= bytes[i].is_ascii_uppercase();
            i += 1;
        }
        if start < i {
            let word = &bytes[start..i];
            if has_upper {
                scratch.clear();
                scratch.extend(word.iter().map(u8::to_ascii_lowercase));
                f(scratch);
            } else {
                f(word);
            }
        }
    }
}

/// The normalized text: its words joined by single spaces.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut scratch = Vec::new();
    for_each_word(text, &mut scratch, |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        // Words are built from whole chars, so they are valid UTF-8.
        out.push_str(std::str::from_utf8(w).expect("words are built from whole chars"));
    });
    out
}

/// The normalized words of `text`, each as an owned string.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    for_each_word(text, &mut scratch, |w| {
        out.push(String::from_utf8_lossy(w).into_owned());
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_punctuation_and_space() {
        assert_eq!(normalize("  Hello,   World!\n\tIt's_OK. "), "hello world it s ok");
    }

    #[test]
    fn nfkc_and_unicode_case() {
        assert_eq!(normalize("ＡＢＣ Déjà-VU ﬁne"), "abc déjà vu fine");
        assert_eq!(normalize("ΣΊΣΥΦΟΣ"), normalize("σίσυφοσ"));
    }

    #[test]
    fn ascii_fast_path_matches_unicode_path() {
        let ascii = "The U.S. said on Jan. 5 -- \"no\" (again) 100%_done";
        // An appended non-ASCII word forces the Unicode path over the same ASCII prefix.
        let forced = format!("{ascii} é");
        let a = words(ascii);
        let mut b = words(&forced);
        assert_eq!(b.pop().as_deref(), Some("é"));
        assert_eq!(a, b);
    }

    #[test]
    fn mixed_path_matches_unicode_path() {
        for t in [
            "Russia’s “hottest” front — Déjà vu, ΣΊΣΥΦΟΣ 2025",
            "a’b",
            "ＡＢＣ",
            "Ⅻ ½ ﬁ",
            "x\u{301}y",
        ] {
            let mut a = Vec::new();
            mixed_words(t, &mut Vec::new(), |w| a.push(w.to_vec()));
            let mut b = Vec::new();
            unicode_words(t.chars(), &mut Vec::new(), |w| b.push(w.to_vec()));
            assert_eq!(a, b, "{t}");
        }
    }

    #[test]
    fn normalize_into_matches_for_each_word() {
        let (mut scratch, mut out, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for t in [
            "",
            " ... ",
            "a",
            "  Hello,   World!\n\tIt's_OK. ",
            "end.",
            "Déjà-VU ＡＢＣ x",
            "The U.S. said on Jan. 5 -- \"no\" 100%_done",
        ] {
            normalize_into(t, &mut scratch, &mut out, &mut ends);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), normalize(t), "{t:?}");
            let mut start = 0;
            let split: Vec<String> = ends
                .iter()
                .map(|&e| {
                    let w = String::from_utf8(out[start..e].to_vec()).unwrap();
                    start = e + 1;
                    w
                })
                .collect();
            assert_eq!(split, words(t), "{t:?}");
        }
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" ... !!! "), "");
    }
}
