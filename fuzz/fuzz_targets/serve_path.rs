//! The server's path decoding on arbitrary request paths: never a panic, never a segment that
//! leaves the built book.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    if let Ok(segments) = checker::serve::relative_path(path) {
        for s in &segments {
            assert!(!s.is_empty() && s != "." && s != "..", "{path:?} → {segments:?}");
            assert!(!s.contains(['/', '\\', '\0', ':']), "{path:?} → {segments:?}");
        }
    }
});
