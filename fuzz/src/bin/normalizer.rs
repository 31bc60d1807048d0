//! AFL++ target: any text through `normalize` and `words`, all three scanner paths compared.
fn main() {
    afl::fuzz!(|data: &[u8]| storydup_fuzz::normalizer(data));
}
