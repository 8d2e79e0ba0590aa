//! The short guidance on the citizens' proposal and objection forms (`/warga/usulan`,
//! `/warga/sanggahan`): who may send one, what happens next and how long it takes, what makes an
//! objection valid, and what is done with the numbers typed. The templates read it with
//! `crate::ui::info::guidance::strings(*page.lang)`.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The forms' guidance in one language.
        #[derive(Debug)]
        pub struct GuidanceStrings { $(pub $name: &'static str,)+ }
        static ID: GuidanceStrings = GuidanceStrings { $($name: $id,)+ };
        static EN: GuidanceStrings = GuidanceStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static GuidanceStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Sebelum mengirim", "Before you send";
    propose_who: "Siapa yang boleh mengusulkan: setiap warga dengan NIK dan nomor KK yang tercatat di data kependudukan, untuk keluarganya sendiri atau keluarga tetangga yang hidup kekurangan.",
        "Who may propose: any resident whose NIK and KK number are in the population records, for their own household or a neighbour's household in need.";
    propose_next: "Yang terjadi sesudahnya: usulan masuk ke operator desa/kelurahan, yang mengunjungi dan mendata keluarga itu (survei kebutuhan). Data diperiksa kecamatan dan Dinas Sosial, lalu disetujui atau ditolak. Biasanya beberapa minggu; jawaban dapat dilihat dengan kode tanda terima.",
        "What happens next: the proposal goes to the village operator, who visits and surveys the household. The district and Dinas Sosial check the data, then approve or reject it. This usually takes a few weeks; read the answer with your receipt code.";
    propose_not: "Masuk registri belum berarti menerima bantuan: setiap program memilih penerimanya dengan kriteria sendiri.",
        "Being in the registry does not yet mean receiving aid: each program selects its recipients by its own criteria.";
    propose_criteria: "Kriteria program", "Program criteria";
    object_valid: "Sanggahan yang sah: Anda tinggal di desa/kelurahan yang sama, keluarga itu masih dalam masa sanggah (14 hari), dan alasan Anda jelas dan dapat diperiksa (mis. keluarga itu mampu, sudah pindah, atau tercatat dua kali). Tulis fakta, bukan tuduhan pribadi.",
        "A valid objection: you live in the same village, the household is still in its objection period (14 days), and your reason is clear and can be checked (e.g. the household is well off, has moved away, or is listed twice). Write facts, not personal accusations.";
    object_next: "Yang terjadi sesudahnya: operator desa/kelurahan memeriksa di lapangan dan menjawab, biasanya dalam 14 hari; tanggal batasnya tampil di halaman Cek status. Nama Anda tidak diberitahukan kepada keluarga yang disanggah.",
        "What happens next: the village operator checks in the field and answers, usually within 14 days; the deadline shows on the Check status page. Your name is not told to the household you object to.";
    privacy: "Privasi: NIK dan nomor KK hanya dipakai untuk mencocokkan Anda dengan data kependudukan; keduanya tidak disimpan, tidak ditampilkan lagi, dan tidak pernah muncul di alamat halaman.",
        "Privacy: your NIK and KK number are only used to match you with the population records; they are not stored, not shown again, and never appear in a page address.";
    more: "Pertanyaan lain", "Other questions";
}
