//! Writes the seed inputs of `storydup_fuzz::seeds` into the folder given, one file each, for
//! AFL++'s `-i`.
use std::io::Write;

fn main() {
    let dir = std::env::args_os().nth(1).expect("usage: seeds DIR");
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).expect("cannot create the seed folder");
    let gzip = |b: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).expect("in memory");
        e.finish().expect("in memory")
    };
    let zstd = |b: &[u8]| zstd::encode_all(b, 3).expect("in memory");
    for (name, bytes) in storydup_fuzz::seeds(gzip, zstd) {
        std::fs::write(dir.join(name), bytes).expect("cannot write a seed");
    }
}
