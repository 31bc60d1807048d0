//! AFL++ target: one record's bytes through `corpus::parse` (JSONL and `.txt`) and the normalizer.
fn main() {
    afl::fuzz!(|data: &[u8]| storydup_fuzz::record(data));
}
