//! Aid-event decoding: never panics, and whatever decodes is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tepat_ledger::AidEvent;

fuzz_target!(|data: &[u8]| {
    if let Ok(ev) = AidEvent::decode(data) {
        assert_eq!(ev.encode().unwrap(), data);
    }
});
