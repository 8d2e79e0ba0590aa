//! The pull loop shared by the readers: quick-xml events over a byte slice, element names interned to
//! [`Name`], leaf text collected, and line numbers counted incrementally (each byte is looked at once,
//! so a file of a million transactions is not rescanned per error or per record).

use std::cell::Cell;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::read::{ReadError, ReadErrorKind};

macro_rules! names {
    ($($n:ident)+) => {
        /// The element names the readers look at; everything else is [`Name::Other`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Name { $($n,)+ Other }

        impl Name {
            fn of(local: &[u8]) -> Name {
                match local { $(x if x == stringify!($n).as_bytes() => Name::$n,)+ _ => Name::Other }
            }

            pub(crate) fn as_str(self) -> &'static str {
                match self { $(Name::$n => stringify!($n),)+ Name::Other => "?" }
            }
        }
    };
}

names! {
    Document GrpHdr MsgId CreDtTm CstmrPmtStsRpt BkToCstmrStmt BkToCstmrDbtCdtNtfctn CstmrCdtTrfInitn
    OrgnlGrpInfAndSts OrgnlMsgId GrpSts OrgnlPmtInfAndSts OrgnlPmtInfId PmtInfSts TxInfAndSts
    OrgnlInstrId OrgnlEndToEndId TxSts StsRsnInf Rsn Cd Prtry AcctSvcrRef OrgnlTxRef Amt InstdAmt
    RmtInf Ustrd Stmt Ntfctn Ntry NtryRef CdtDbtInd RvslInd Sts BookgDt Dt DtTm BkTxCd Domn Fmly
    SubFmlyCd NtryDtls TxDtls Refs EndToEndId InstrId AmtDtls TxAmt RtrInf PmtInf PmtInfId NbOfTxs
    CtrlSum CdtTrfTxInf PmtId ReqdExctnDt DbtrAcct Othr Id
}

/// What the loop hands to a reader.
pub(crate) enum Step {
    Start(Name),
    /// An element closed; [`Pull::text`] is its text content (meaningful for leaves).
    End(Name),
}

/// A pull parser positioned after the root `Document` start tag.
pub(crate) struct Pull<'a> {
    bytes: &'a [u8],
    reader: Reader<&'a [u8]>,
    /// Bytes scanned for newlines so far, and the line they end on. Counted only when a line is
    /// asked for (a record starts, an error), so the count runs over long stretches at a time.
    counted: Cell<usize>,
    counted_line: Cell<u32>,
    /// Where the current event starts.
    event_pos: usize,
    pub(crate) stack: Vec<Name>,
    text: String,
    /// `Ccy` of the last amount element opened.
    pub(crate) ccy: Option<String>,
    /// The root's namespace.
    pub(crate) namespace: String,
    /// The last step was an `End`: its text is spent, so a parent does not see its children's text.
    spent: bool,
}

impl<'a> Pull<'a> {
    /// Reads up to the root element. Anything that is not XML with a `Document` root is foreign.
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Pull<'a>, ReadError> {
        let mut reader = Reader::from_reader(bytes);
        reader.config_mut().expand_empty_elements = true;
        let mut pull = Pull {
            bytes,
            reader,
            counted: Cell::new(0),
            counted_line: Cell::new(1),
            event_pos: 0,
            stack: Vec::with_capacity(16),
            text: String::new(),
            ccy: None,
            namespace: String::new(),
            spent: false,
        };
        loop {
            pull.event_pos = pull.reader.buffer_position() as usize;
            let event = pull.reader.read_event();
            let foreign = |what: &str| ReadError {
                line: pull.line(),
                kind: ReadErrorKind::Foreign(what.to_string()),
            };
            match event {
                Ok(Event::Start(e)) => {
                    if e.local_name().as_ref() != b"Document" {
                        let root = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                        return Err(foreign(&format!("its root element is <{}>", clip(&root))));
                    }
                    let prefix = e.name().prefix().map(|p| p.as_ref().to_vec());
                    let wanted: Vec<u8> = match &prefix {
                        Some(p) => [b"xmlns:".as_slice(), p].concat(),
                        None => b"xmlns".to_vec(),
                    };
                    for attr in e.attributes().flatten() {
                        if attr.key.as_ref() == wanted.as_slice() {
                            pull.namespace = String::from_utf8_lossy(&attr.value).into_owned();
                        }
                    }
                    pull.stack.push(Name::Document);
                    return Ok(pull);
                }
                Ok(Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
                Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Event::Eof)
                    if pull.event_pos == 0 && bytes.iter().all(u8::is_ascii_whitespace) =>
                {
                    return Err(foreign("the file is empty"))
                }
                Ok(_) | Err(_) => return Err(foreign("it is not XML")),
            }
        }
    }

    /// The line of byte `pos`; positions asked for never go backwards.
    fn line_at(&self, pos: usize) -> u32 {
        let pos = pos.min(self.bytes.len());
        let from = self.counted.get();
        if pos > from {
            let newlines = count_newlines(&self.bytes[from..pos]);
            self.counted_line
                .set(self.counted_line.get() + newlines as u32);
            self.counted.set(pos);
        }
        self.counted_line.get()
    }

    /// The trimmed text of the element that just closed.
    pub(crate) fn text(&self) -> &str {
        self.text.trim()
    }

    /// The line where the current event starts.
    pub(crate) fn line(&self) -> u32 {
        self.line_at(self.event_pos)
    }

    pub(crate) fn error(&self, kind: ReadErrorKind) -> ReadError {
        ReadError {
            line: self.line(),
            kind,
        }
    }

    /// The parent of the current element (after a `Start`, the element itself is on top; after an
    /// `End`, it is already popped: `parent(0)` is its parent).
    pub(crate) fn ancestor(&self, depth: usize) -> Name {
        self.stack
            .len()
            .checked_sub(depth + 1)
            .map_or(Name::Other, |i| self.stack[i])
    }

    /// Whether the (closed or open) element sits under exactly this chain of ancestors, innermost last.
    pub(crate) fn under(&self, chain: &[Name]) -> bool {
        self.stack.ends_with(chain)
    }

    /// The next start or end of an element; `None` after the root closed.
    pub(crate) fn next(&mut self) -> Result<Option<Step>, ReadError> {
        if self.spent {
            self.text.clear();
            self.spent = false;
        }
        loop {
            self.event_pos = self.reader.buffer_position() as usize;
            match self.reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = Name::of(e.local_name().as_ref());
                    self.text.clear();
                    if matches!(name, Name::Amt | Name::InstdAmt) {
                        self.ccy = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"Ccy")
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    }
                    self.stack.push(name);
                    return Ok(Some(Step::Start(name)));
                }
                Ok(Event::End(_)) => {
                    let name = self.stack.pop().unwrap_or(Name::Other);
                    if self.stack.is_empty() {
                        return Ok(None);
                    }
                    self.spent = true;
                    return Ok(Some(Step::End(name)));
                }
                // Indentation between elements is most of the text events: skipped before decoding.
                // Whitespace after an entity (`&amp; &amp;`) is kept, as the text is not empty then.
                Ok(Event::Text(t))
                    if self.text.is_empty() && t.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Event::Text(t)) => match std::str::from_utf8(&t) {
                    Ok(s) => self.text.push_str(s),
                    Err(e) => return Err(self.error(ReadErrorKind::Malformed(e.to_string()))),
                },
                Ok(Event::CData(t)) => match t.decode() {
                    Ok(s) => self.text.push_str(&s),
                    Err(e) => return Err(self.error(ReadErrorKind::Malformed(e.to_string()))),
                },
                Ok(Event::GeneralRef(r)) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match &r[..] {
                            b"amp" => Some('&'),
                            b"lt" => Some('<'),
                            b"gt" => Some('>'),
                            b"quot" => Some('"'),
                            b"apos" => Some('\''),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match c {
                        Some(c) => self.text.push(c),
                        None => {
                            return Err(self.error(ReadErrorKind::Malformed(format!(
                                "unknown entity &{};",
                                clip(&String::from_utf8_lossy(&r))
                            ))))
                        }
                    }
                }
                Ok(Event::Eof) => return Err(self.error(ReadErrorKind::Truncated)),
                Ok(_) => {}
                Err(e) => {
                    self.event_pos = self.reader.error_position() as usize;
                    return Err(self.error(ReadErrorKind::Malformed(e.to_string())));
                }
            }
        }
    }
}

/// Newlines in `bytes`, counted in blocks with a byte-wide sum the compiler turns into vector code.
fn count_newlines(bytes: &[u8]) -> usize {
    let mut blocks = bytes.chunks_exact(255);
    let mut n: usize = (&mut blocks)
        .map(|b| b.iter().fold(0u8, |acc, &c| acc + u8::from(c == b'\n')) as usize)
        .sum();
    n += blocks.remainder().iter().filter(|&&c| c == b'\n').count();
    n
}

/// At most 40 characters of a value echoed in an error (values echoed are codes and amounts, never
/// names or accounts).
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}
