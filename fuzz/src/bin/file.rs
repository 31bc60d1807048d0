//! AFL++ target: the bytes as a whole input file (plain, gzip or zstd), read as `dedup` reads it.
fn main() {
    // One scratch folder for the whole run, in memory where there is a /dev/shm.
    let shm = std::path::Path::new("/dev/shm");
    let scratch = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("a scratch folder");
    afl::fuzz!(|data: &[u8]| storydup_fuzz::file(data, scratch.path()));
}
