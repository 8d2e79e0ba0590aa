//! Writes the vendored FEBRL data sets as `persons.csv` files with a `truth.csv` (`record_id,person_id`),
//! for the benchmark script and for Splink.
//!
//! ```text
//! cargo run --release -p tepat-linkage --example febrl -- OUT_DIR
//! ```
//! Writes `febrl{1,2,3}.csv`, `febrl{1,2,3}_truth.csv`, `febrl4a.csv`, `febrl4b.csv`, `febrl4_truth.csv`.

use std::io::Write;
use std::path::Path;

use tepat_linkage::{febrl, write_persons, PersonRecord};

fn truth(path: &Path, records: &[&PersonRecord]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "record_id,person_id").unwrap();
    for r in records {
        writeln!(f, "{},{}", r.record_id, febrl::person_of(&r.record_id)).unwrap();
    }
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/febrl".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out).unwrap();
    for n in [1u8, 2, 3] {
        let (records, _) = febrl::dataset(n).unwrap();
        write_persons(&out.join(format!("febrl{n}.csv")), &records).unwrap();
        truth(
            &out.join(format!("febrl{n}_truth.csv")),
            &records.iter().collect::<Vec<_>>(),
        );
    }
    let (a, b, _) = febrl::dataset4().unwrap();
    write_persons(&out.join("febrl4a.csv"), &a).unwrap();
    write_persons(&out.join("febrl4b.csv"), &b).unwrap();
    truth(
        &out.join("febrl4_truth.csv"),
        &a.iter().chain(b.iter()).collect::<Vec<_>>(),
    );
    println!("written to {}", out.display());
}
