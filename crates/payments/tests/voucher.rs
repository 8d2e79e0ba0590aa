//! Vouchers: the documented test vectors, verification and every refusal, tampering, and a round
//! trip over arbitrary vouchers.

use chrono::NaiveDate;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use tepat_domain::{Lang, Localized, Rupiah};
use tepat_payments::voucher::{
    key_id, recipient_commitment, verify, SignError, Voucher, VoucherKeys, VoucherRefusal,
    VoucherSigner, TEXT_PREFIX,
};
use uuid::Uuid;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Test vector 1's key: the seed bytes 0x00, 0x01, …, 0x1f.
fn vector_key_1() -> SigningKey {
    SigningKey::from_bytes(&std::array::from_fn(|i| i as u8))
}

/// Test vector 2's key: 32 bytes of 0x42.
fn vector_key_2() -> SigningKey {
    SigningKey::from_bytes(&[0x42; 32])
}

fn vector_voucher_1() -> Voucher {
    let id = Uuid::parse_str("0190f5a8-7c00-7000-8000-000000000001").unwrap();
    Voucher {
        id,
        program: "BLT-DD".into(),
        cycle: "2027-T1".into(),
        amount: Rupiah::new(900_000),
        goods: None,
        recipient: recipient_commitment(id, "3201010101900001"),
        valid_from: date(2027, 3, 1),
        valid_until: date(2027, 3, 31),
        key_id: String::new(),
    }
}

fn vector_voucher_2() -> Voucher {
    let id = Uuid::parse_str("0190f5a8-7c00-7000-8000-0000000000ff").unwrap();
    Voucher {
        id,
        program: "SEMBAKO".into(),
        cycle: "2027-04".into(),
        amount: Rupiah::ZERO,
        goods: Some("Beras 10 kg, telur 1 kg".into()),
        recipient: recipient_commitment(id, "1902014507850002"),
        valid_from: date(2027, 4, 5),
        valid_until: date(2027, 4, 30),
        key_id: String::new(),
    }
}

const VECTOR_1: &str = "TPV1.AQGQ9ah8AHAAgAAAAAAAAAEGQkxULUREBzIwMjctVDEAAAAAAA27oACRQD3a5wKg4v3fopJn_-8P2EwNybfiA9TZ6zLd8Oj2uAE1TN0BNUz7EDU2NDc1YWE3NTQ2MzQ3NGMPKvEgDM5RJT_jRPTQqfXIrmfriEHZ9l37X1WSMF0vseR465QkOqxoEeW5xxhYomZBiKgfAoYP6w3KBaSmGCMD";
const VECTOR_2: &str = "TPV1.AQGQ9ah8AHAAgAAAAAAAAP8HU0VNQkFLTwcyMDI3LTA0AAAAAAAAAAAXQmVyYXMgMTAga2csIHRlbHVyIDEga2eAreFWThVLxsWL3LufyhwLLqTrkirCFvR2WQw-9dzUmQE1TUUBNU1eEDMwOTdlMmRlZTJjYjRhMzQSPrsDqwjay2mn7u3y2lBAnTe3iYVU8Em0uKgivhBv6szQYB8D2ajsBv0qpLWZhyN1eqTiUbkh0oX-0wxQI98A";

fn docs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/vouchers.md");
    std::fs::read_to_string(path).expect("docs/vouchers.md")
}

fn keys_of(signer: &VoucherSigner) -> VoucherKeys {
    let mut keys = VoucherKeys::new();
    keys.insert(signer.verifying_key());
    keys
}

#[test]
fn test_vectors_match_the_documentation() {
    let docs = docs();
    for (key, voucher, expected) in [
        (vector_key_1(), vector_voucher_1(), VECTOR_1),
        (vector_key_2(), vector_voucher_2(), VECTOR_2),
    ] {
        let signer = VoucherSigner::new(key);
        let text = signer.sign(&voucher).unwrap();
        assert_eq!(
            text, expected,
            "the signed text changed: update docs/vouchers.md"
        );
        assert!(docs.contains(expected), "docs/vouchers.md lacks {expected}");
        assert!(
            docs.contains(signer.key_id()),
            "docs/vouchers.md lacks the key id"
        );
        let hex: String = voucher
            .recipient
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            docs.contains(&hex),
            "docs/vouchers.md lacks the commitment {hex}"
        );
        let read = verify(&text, &keys_of(&signer), voucher.valid_from, None).unwrap();
        assert_eq!(
            read,
            Voucher {
                key_id: signer.key_id().to_owned(),
                ..voucher
            }
        );
    }
}

#[test]
fn key_id_is_16_hex_characters_of_the_public_key_hash() {
    let signer = VoucherSigner::new(vector_key_1());
    assert_eq!(signer.key_id().len(), 16);
    assert!(signer.key_id().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(signer.key_id(), key_id(&signer.verifying_key()));
    assert_ne!(signer.key_id(), VoucherSigner::new(vector_key_2()).key_id());
}

#[test]
fn the_recipient_commitment_binds_the_nik_and_the_voucher() {
    let a = Uuid::from_u128(1);
    let b = Uuid::from_u128(2);
    let nik = "3201010101900001";
    assert_eq!(recipient_commitment(a, nik), recipient_commitment(a, nik));
    assert_ne!(
        recipient_commitment(a, nik),
        recipient_commitment(a, "3201010101900002")
    );
    assert_ne!(recipient_commitment(a, nik), recipient_commitment(b, nik));
}

#[test]
fn every_refusal_in_order() {
    let signer = VoucherSigner::new(vector_key_1());
    let keys = keys_of(&signer);
    let voucher = vector_voucher_1();
    let text = signer.sign(&voucher).unwrap();
    let in_march = date(2027, 3, 15);

    assert!(verify(&text, &keys, in_march, Some("2027-T1")).is_ok());
    assert!(verify(&format!("  {text}\n"), &keys, in_march, None).is_ok());
    assert_eq!(
        verify(&text, &VoucherKeys::new(), in_march, None),
        Err(VoucherRefusal::UnknownKey)
    );
    let other_key = VoucherSigner::new(vector_key_2());
    let forged = other_key.sign(&voucher).unwrap();
    let mut both = keys.clone();
    both.insert(other_key.verifying_key());
    assert!(verify(&forged, &both, in_march, None).is_ok());
    assert_eq!(
        verify(&text, &keys, date(2027, 2, 28), None),
        Err(VoucherRefusal::NotYetValid {
            from: date(2027, 3, 1)
        })
    );
    assert!(verify(&text, &keys, date(2027, 3, 1), None).is_ok());
    assert!(verify(&text, &keys, date(2027, 3, 31), None).is_ok());
    assert_eq!(
        verify(&text, &keys, date(2027, 4, 1), None),
        Err(VoucherRefusal::Expired {
            until: date(2027, 3, 31)
        })
    );
    assert_eq!(
        verify(&text, &keys, in_march, Some("2027-T2")),
        Err(VoucherRefusal::WrongCycle {
            voucher: "2027-T1".into(),
            expected: "2027-T2".into()
        })
    );
    for bad in [
        "",
        "TPV1.",
        "TPV2.AQ",
        "hello",
        &text[1..],
        &text[..text.len() - 1],
        &format!("{text}A"),
        &text.replace('.', ":"),
    ] {
        assert_eq!(
            verify(bad, &keys, in_march, None),
            Err(VoucherRefusal::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let signer = VoucherSigner::new(vector_key_1());
    let text = signer.sign(&vector_voucher_1()).unwrap();
    let impostor = VoucherSigner::new(vector_key_2());
    let body = text.strip_prefix(TEXT_PREFIX).unwrap();
    let mut bytes = base64_decode(body);
    let forged_signature = impostor_signature(&impostor);
    let n = bytes.len();
    bytes[n - 64..].copy_from_slice(&forged_signature);
    let forged = format!("{TEXT_PREFIX}{}", base64_encode(&bytes));
    assert_eq!(
        verify(&forged, &keys_of(&signer), date(2027, 3, 15), None),
        Err(VoucherRefusal::BadSignature)
    );
}

fn impostor_signature(signer: &VoucherSigner) -> [u8; 64] {
    // Any valid signature by another key over other bytes: the same length, wrong content.
    let other = signer.sign(&vector_voucher_2()).unwrap();
    let bytes = base64_decode(other.strip_prefix(TEXT_PREFIX).unwrap());
    bytes[bytes.len() - 64..].try_into().unwrap()
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn changing_any_byte_is_refused() {
    let signer = VoucherSigner::new(vector_key_2());
    let keys = keys_of(&signer);
    let text = signer.sign(&vector_voucher_2()).unwrap();
    let bytes = base64_decode(text.strip_prefix(TEXT_PREFIX).unwrap());
    let today = date(2027, 4, 10);
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut tampered = bytes.clone();
            tampered[i] ^= flip;
            let tampered = format!("{TEXT_PREFIX}{}", base64_encode(&tampered));
            let refusal = verify(&tampered, &keys, today, None).unwrap_err();
            assert!(
                matches!(
                    refusal,
                    VoucherRefusal::BadSignature
                        | VoucherRefusal::Malformed
                        | VoucherRefusal::UnknownKey
                ),
                "byte {i} ^ {flip:#x}: {refusal:?}"
            );
        }
    }
    for cut in [1, 63, 64, 65, bytes.len() - 1] {
        let short = format!(
            "{TEXT_PREFIX}{}",
            base64_encode(&bytes[..bytes.len() - cut])
        );
        assert!(verify(&short, &keys, today, None).is_err(), "cut {cut}");
    }
}

#[test]
fn signing_refuses_what_cannot_be_encoded() {
    let signer = VoucherSigner::new(vector_key_1());
    let base = vector_voucher_1();
    let too_long = Voucher {
        goods: Some("x".repeat(256)),
        ..base.clone()
    };
    assert_eq!(
        signer.sign(&too_long),
        Err(SignError::FieldTooLong { field: "goods" })
    );
    let at_limit = Voucher {
        goods: Some("x".repeat(255)),
        ..base.clone()
    };
    assert!(signer.sign(&at_limit).is_ok());
    assert_eq!(
        signer.sign(&Voucher {
            amount: Rupiah::new(-1),
            ..base.clone()
        }),
        Err(SignError::NegativeAmount)
    );
    assert_eq!(
        signer.sign(&Voucher {
            goods: Some(String::new()),
            ..base.clone()
        }),
        Err(SignError::EmptyGoods)
    );
    assert_eq!(
        signer.sign(&Voucher {
            valid_until: date(2027, 2, 1),
            ..base
        }),
        Err(SignError::DatesReversed)
    );
}

#[test]
fn keys_json_round_trips_and_refuses_a_wrong_id() {
    let signer = VoucherSigner::new(vector_key_1());
    let mut keys = keys_of(&signer);
    keys.insert(VoucherSigner::new(vector_key_2()).verifying_key());
    let json = serde_json::to_value(&keys).unwrap();
    let list = json["keys"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .any(|k| k["kid"] == signer.key_id() && k["x"].as_str().unwrap().len() == 43));
    let back: VoucherKeys = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, keys);

    let mut wrong = json;
    wrong["keys"][0]["kid"] = "0000000000000000".into();
    assert!(serde_json::from_value::<VoucherKeys>(wrong.clone()).is_err());
    wrong["keys"][0]["kid"] = list[0]["kid"].clone();
    wrong["keys"][0]["x"] = "AAAA".into();
    assert!(serde_json::from_value::<VoucherKeys>(wrong).is_err());
}

#[test]
fn refusals_speak_to_the_officer_in_both_languages() {
    let expired = VoucherRefusal::Expired {
        until: date(2027, 3, 31),
    };
    assert!(expired.message(Lang::Id).contains("kedaluwarsa"));
    assert!(expired.message(Lang::Id).contains("31 Maret 2027"));
    assert!(expired.message(Lang::En).contains("31 March 2027"));
    let early = VoucherRefusal::NotYetValid {
        from: date(2027, 4, 1),
    };
    assert!(early.message(Lang::Id).contains("1 April 2027"));
    let cycle = VoucherRefusal::WrongCycle {
        voucher: "2027-T1".into(),
        expected: "2027-T2".into(),
    };
    assert!(cycle.message(Lang::Id).contains("2027-T1"));
    assert!(cycle.message(Lang::En).contains("2027-T2"));
    for r in [
        VoucherRefusal::Malformed,
        VoucherRefusal::UnknownKey,
        VoucherRefusal::BadSignature,
        expired,
        early,
        cycle,
    ] {
        assert_ne!(r.message(Lang::Id), r.message(Lang::En), "{r:?}");
    }
}

fn arb_voucher() -> impl Strategy<Value = Voucher> {
    (
        any::<u128>(),
        "[A-Z-]{1,12}",
        "20[2-9][0-9]-(T[1-4]|0[1-9]|1[0-2])",
        0i64..=i64::MAX,
        proptest::option::of("\\PC{1,40}"),
        any::<[u8; 32]>(),
        0u32..3_000_000,
        0u32..400,
    )
        .prop_map(
            |(id, program, cycle, amount, goods, recipient, start, len)| {
                let from = date(2000, 1, 1) + chrono::Days::new(u64::from(start % 30_000));
                Voucher {
                    id: Uuid::from_u128(id),
                    program,
                    cycle,
                    amount: Rupiah::new(amount),
                    goods,
                    recipient,
                    valid_from: from,
                    valid_until: from + chrono::Days::new(u64::from(len)),
                    key_id: String::new(),
                }
            },
        )
}

proptest! {
    #[test]
    fn any_voucher_round_trips(voucher in arb_voucher(), seed in any::<[u8; 32]>()) {
        let signer = VoucherSigner::new(SigningKey::from_bytes(&seed));
        let text = signer.sign(&voucher).unwrap();
        prop_assert!(text.starts_with(TEXT_PREFIX));
        let read = verify(&text, &keys_of(&signer), voucher.valid_from, Some(&voucher.cycle)).unwrap();
        prop_assert_eq!(read, Voucher { key_id: signer.key_id().to_owned(), ..voucher });
    }

    #[test]
    fn arbitrary_text_never_verifies(text in "TPV1\\.[A-Za-z0-9_-]{0,300}") {
        let keys = keys_of(&VoucherSigner::new(vector_key_1()));
        prop_assert!(verify(&text, &keys, date(2027, 3, 15), None).is_err());
    }
}
