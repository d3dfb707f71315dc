//! The slice of Python's pickle that MMAction2/PYSKL annotation files use: dicts, lists, tuples,
//! strings, ints, floats, and numpy float arrays.
//!
//! serde-pickle writes plain values only, and reads a numpy array as whatever its last BUILD
//! state was, which drops the dtype (`f4` and `i4` both become `(3, '<', …)`). So this module
//! writes and reads the few opcodes itself:
//!
//! - **Writing** (protocol 3, for `BINBYTES`): an array is
//!   `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` followed by BUILD with
//!   `(1, shape, dtype, False, raw little-endian bytes)`, the dtype being
//!   `numpy.dtype('f4', False, True)` with BUILD state `(3, '<', None, None, None, -1, -1, 0)`:
//!   what numpy itself writes below protocol 5. `numpy.core.multiarray` rather than numpy 2's
//!   `numpy._core` because numpy 1.x loads only the former and numpy 2 keeps it importable for
//!   old pickles.
//! - **Reading**: protocols 2 to 5 as Python and numpy (1.x and 2.x) write them, including the
//!   memo (Python memoizes every repeated key and the shared dtype), `_codecs.encode` bytes
//!   (protocol 2) and protocol 5's `_frombuffer`. Objects live in an arena and the memo holds
//!   indices, so a memo reference costs nothing and a container filled after it was memoized
//!   is seen filled, as in Python. Lengths are checked against the bytes left before anything is
//!   allocated; array elements are counted against the input's size, so arrays shared many times
//!   cannot expand a small file into a large allocation. Any other global is an error naming it.

use std::collections::HashMap;

/// A value to write.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A C-ordered `float32` ndarray.
    Array {
        shape: Vec<usize>,
        data: Vec<f32>,
    },
}

// Opcodes, named as in CPython's pickle.py.
const MARK: u8 = b'(';
const STOP: u8 = b'.';
const POP: u8 = b'0';
const POP_MARK: u8 = b'1';
const DUP: u8 = b'2';
const BININT: u8 = b'J';
const BININT1: u8 = b'K';
const BININT2: u8 = b'M';
const NONE: u8 = b'N';
const BINFLOAT: u8 = b'G';
const BINSTRING: u8 = b'T';
const SHORT_BINSTRING: u8 = b'U';
const BINUNICODE: u8 = b'X';
const APPEND: u8 = b'a';
const BUILD: u8 = b'b';
const GLOBAL: u8 = b'c';
const DICT: u8 = b'd';
const EMPTY_DICT: u8 = b'}';
const APPENDS: u8 = b'e';
const BINGET: u8 = b'h';
const LONG_BINGET: u8 = b'j';
const LIST: u8 = b'l';
const EMPTY_LIST: u8 = b']';
const BINPUT: u8 = b'q';
const LONG_BINPUT: u8 = b'r';
const REDUCE: u8 = b'R';
const SETITEM: u8 = b's';
const TUPLE: u8 = b't';
const EMPTY_TUPLE: u8 = b')';
const SETITEMS: u8 = b'u';
const PROTO: u8 = 0x80;
const TUPLE1: u8 = 0x85;
const TUPLE2: u8 = 0x86;
const TUPLE3: u8 = 0x87;
const NEWTRUE: u8 = 0x88;
const NEWFALSE: u8 = 0x89;
const LONG1: u8 = 0x8a;
const BINBYTES: u8 = b'B';
const SHORT_BINBYTES: u8 = b'C';
const SHORT_BINUNICODE: u8 = 0x8c;
const BINUNICODE8: u8 = 0x8d;
const BINBYTES8: u8 = 0x8e;
const STACK_GLOBAL: u8 = 0x93;
const MEMOIZE: u8 = 0x94;
const FRAME: u8 = 0x95;
const BYTEARRAY8: u8 = 0x96;

pub fn write(value: &Value) -> Vec<u8> {
    let mut out = vec![PROTO, 3];
    put(&mut out, value);
    out.push(STOP);
    out
}

fn put(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Int(n) => put_int(out, *n),
        Value::Str(text) => put_str(out, text),
        Value::List(items) => {
            out.push(EMPTY_LIST);
            if !items.is_empty() {
                out.push(MARK);
                items.iter().for_each(|item| put(out, item));
                out.push(APPENDS);
            }
        }
        Value::Tuple(items) => {
            out.push(MARK);
            items.iter().for_each(|item| put(out, item));
            out.push(TUPLE);
        }
        Value::Dict(entries) => {
            out.push(EMPTY_DICT);
            if !entries.is_empty() {
                out.push(MARK);
                for (key, value) in entries {
                    put(out, key);
                    put(out, value);
                }
                out.push(SETITEMS);
            }
        }
        Value::Array { shape, data } => {
            out.extend_from_slice(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n");
            out.extend_from_slice(&[BININT1, 0, TUPLE1, SHORT_BINBYTES, 1, b'b', TUPLE3, REDUCE]);
            out.extend_from_slice(&[MARK, BININT1, 1]);
            let dims = shape.iter().map(|&d| Value::Int(d as i64)).collect();
            put(out, &Value::Tuple(dims));
            out.extend_from_slice(b"cnumpy\ndtype\n");
            put_str(out, "f4");
            out.extend_from_slice(&[NEWFALSE, NEWTRUE, TUPLE3, REDUCE, MARK, BININT1, 3]);
            put_str(out, "<");
            out.extend_from_slice(&[NONE, NONE, NONE]);
            put_int(out, -1);
            put_int(out, -1);
            out.extend_from_slice(&[BININT1, 0, TUPLE, BUILD, NEWFALSE, BINBYTES]);
            out.extend_from_slice(&((data.len() * 4) as u32).to_le_bytes());
            data.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            out.extend_from_slice(&[TUPLE, BUILD]);
        }
    }
}

fn put_int(out: &mut Vec<u8>, n: i64) {
    if let Ok(byte) = u8::try_from(n) {
        out.extend_from_slice(&[BININT1, byte]);
    } else if let Ok(word) = i32::try_from(n) {
        out.push(BININT);
        out.extend_from_slice(&word.to_le_bytes());
    } else {
        out.extend_from_slice(&[LONG1, 8]);
        out.extend_from_slice(&n.to_le_bytes());
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    out.push(BINUNICODE);
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// An object read from a pickle; containers hold indices into [`Pickle::nodes`].
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<usize>),
    Tuple(Vec<usize>),
    Dict(Vec<(usize, usize)>),
    Global {
        module: String,
        name: String,
    },
    Dtype(Dtype),
    /// An ndarray made by `_reconstruct`, before its BUILD gives it contents.
    Unbuilt,
    Array(Array),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dtype {
    /// numpy's kind letter: `f` float, `i` int, …
    pub kind: char,
    pub size: usize,
    pub big_endian: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub dtype: Dtype,
    /// Index of the [`Node::Bytes`] holding the elements in C order.
    pub data: usize,
}

/// A read pickle: the objects and the one at the top.
#[derive(Debug)]
pub struct Pickle {
    pub nodes: Vec<Node>,
    pub root: usize,
    /// Array elements [`Pickle::floats`] may still decode.
    budget: std::cell::Cell<usize>,
}

/// Why a pickle could not be read: what went wrong, at which byte.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub at: usize,
    pub message: String,
}

impl Pickle {
    pub fn get(&self, id: usize) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::None)
    }

    /// The value under string key `key` of dict `id`.
    pub fn field(&self, id: usize, key: &str) -> Option<usize> {
        match self.get(id) {
            Node::Dict(entries) => entries
                .iter()
                .find(|(k, _)| matches!(self.get(*k), Node::Str(s) if s == key))
                .map(|(_, v)| *v),
            _ => None,
        }
    }

    /// An array's elements as `f32`, with its shape. Only float dtypes are accepted: keypoints
    /// stored as integers would be a different dataset's convention.
    pub fn floats(&self, array: &Array) -> Result<Vec<f32>, String> {
        let Node::Bytes(bytes) = self.get(array.data) else {
            return Err("array data is not bytes".into());
        };
        let Dtype {
            kind,
            size,
            big_endian,
        } = array.dtype;
        if kind != 'f' || !matches!(size, 2 | 4 | 8) {
            return Err(format!(
                "dtype {kind}{size} is not float16, float32 or float64"
            ));
        }
        let count = array
            .shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|n| n.checked_mul(size) == Some(bytes.len()))
            .ok_or_else(|| format!("shape {:?} does not match the data", array.shape))?;
        let left = self.budget.get();
        if count > left {
            return Err("arrays are shared more often than the file's size allows".into());
        }
        self.budget.set(left - count);
        Ok(bytes
            .chunks_exact(size)
            .map(|chunk| {
                let mut word = [0u8; 8];
                word[..size].copy_from_slice(chunk);
                if big_endian {
                    word[..size].reverse();
                }
                match size {
                    2 => f16_to_f32(u16::from_le_bytes([word[0], word[1]])),
                    4 => f32::from_le_bytes([word[0], word[1], word[2], word[3]]),
                    _ => f64::from_le_bytes(word) as f32,
                }
            })
            .collect())
    }
}

/// IEEE half to single precision (PYSKL stores some keypoint files as float16).
fn f16_to_f32(half: u16) -> f32 {
    let sign = if half & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((half >> 10) & 0x1f);
    let mantissa = f32::from(half & 0x3ff);
    sign * match exponent {
        0 => mantissa * 2f32.powi(-24),
        31 if mantissa == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        _ => (1.0 + mantissa / 1024.0) * 2f32.powi(exponent - 15),
    }
}

pub fn read(bytes: &[u8]) -> Result<Pickle, ReadError> {
    let mut reader = Reader {
        bytes,
        at: 0,
        nodes: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let root = reader.run()?;
    Ok(Pickle {
        nodes: reader.nodes,
        root,
        // Every genuine element costs at least two bytes of input.
        budget: std::cell::Cell::new(bytes.len()),
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    nodes: Vec<Node>,
    stack: Vec<usize>,
    marks: Vec<usize>,
    memo: HashMap<u64, usize>,
}

impl<'a> Reader<'a> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ReadError> {
        Err(ReadError {
            at: self.at,
            message: message.into(),
        })
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], ReadError> {
        let bytes: &'a [u8] = self.bytes;
        let start = self.at;
        let end = usize::try_from(n).ok().and_then(|n| start.checked_add(n));
        match end.and_then(|end| bytes.get(start..end)) {
            Some(slice) => {
                self.at += slice.len();
                Ok(slice)
            }
            None => self.fail("the pickle ends early"),
        }
    }

    fn uint(&mut self, width: usize) -> Result<u64, ReadError> {
        let mut word = [0u8; 8];
        word[..width].copy_from_slice(self.take(width as u64)?);
        Ok(u64::from_le_bytes(word))
    }

    fn line(&mut self) -> Result<String, ReadError> {
        let rest = self.bytes.get(self.at..).unwrap_or(&[]);
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            return self.fail("the pickle ends early");
        };
        let text = String::from_utf8_lossy(rest.get(..end).unwrap_or(&[])).into_owned();
        self.at += end + 1;
        Ok(text)
    }

    fn push(&mut self, node: Node) {
        self.nodes.push(node);
        self.stack.push(self.nodes.len() - 1);
    }

    fn pop(&mut self) -> Result<usize, ReadError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return self.fail("stack underflow");
        }
        self.stack
            .pop()
            .map_or_else(|| self.fail("stack underflow"), Ok)
    }

    fn pop_mark(&mut self) -> Result<Vec<usize>, ReadError> {
        let Some(mark) = self.marks.pop() else {
            return self.fail("no MARK before this opcode");
        };
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn top(&self) -> Result<usize, ReadError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        match self.stack.last() {
            Some(&id) if self.stack.len() > floor => Ok(id),
            _ => self.fail("stack underflow"),
        }
    }

    fn string(&mut self, width: usize) -> Result<(), ReadError> {
        let n = self.uint(width)?;
        let text = String::from_utf8(self.take(n)?.to_vec());
        match text {
            Ok(text) => {
                self.push(Node::Str(text));
                Ok(())
            }
            Err(_) => self.fail("string is not UTF-8"),
        }
    }

    fn bytes(&mut self, width: usize) -> Result<(), ReadError> {
        let n = self.uint(width)?;
        let data = self.take(n)?.to_vec();
        self.push(Node::Bytes(data));
        Ok(())
    }

    fn run(&mut self) -> Result<usize, ReadError> {
        loop {
            let Some(&op) = self.bytes.get(self.at) else {
                return self.fail("the pickle ends before STOP");
            };
            self.at += 1;
            match op {
                PROTO => {
                    self.take(1)?;
                }
                FRAME => {
                    self.take(8)?;
                }
                STOP => return self.pop(),
                MARK => self.marks.push(self.stack.len()),
                POP => {
                    self.pop()?;
                }
                POP_MARK => {
                    self.pop_mark()?;
                }
                DUP => {
                    let top = self.top()?;
                    self.stack.push(top);
                }
                NONE => self.push(Node::None),
                NEWTRUE => self.push(Node::Bool(true)),
                NEWFALSE => self.push(Node::Bool(false)),
                BININT => {
                    let n = self.uint(4)? as u32 as i32;
                    self.push(Node::Int(n.into()));
                }
                BININT1 => {
                    let n = self.uint(1)?;
                    self.push(Node::Int(n as i64));
                }
                BININT2 => {
                    let n = self.uint(2)?;
                    self.push(Node::Int(n as i64));
                }
                LONG1 => {
                    let n = self.uint(1)? as usize;
                    if n > 8 {
                        return self.fail("integer wider than 64 bits");
                    }
                    let raw = self.take(n as u64)?;
                    let negative = raw.last().is_some_and(|b| b & 0x80 != 0);
                    let mut word = [if negative { 0xff } else { 0 }; 8];
                    word[..n].copy_from_slice(raw);
                    self.push(Node::Int(i64::from_le_bytes(word)));
                }
                BINFLOAT => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(self.take(8)?);
                    self.push(Node::Float(f64::from_be_bytes(word)));
                }
                SHORT_BINUNICODE => self.string(1)?,
                BINUNICODE => self.string(4)?,
                BINUNICODE8 => self.string(8)?,
                SHORT_BINBYTES | SHORT_BINSTRING => self.bytes(1)?,
                BINBYTES | BINSTRING => self.bytes(4)?,
                BINBYTES8 | BYTEARRAY8 => self.bytes(8)?,
                EMPTY_LIST => self.push(Node::List(Vec::new())),
                EMPTY_TUPLE => self.push(Node::Tuple(Vec::new())),
                EMPTY_DICT => self.push(Node::Dict(Vec::new())),
                LIST => {
                    let items = self.pop_mark()?;
                    self.push(Node::List(items));
                }
                TUPLE => {
                    let items = self.pop_mark()?;
                    self.push(Node::Tuple(items));
                }
                TUPLE1 | TUPLE2 | TUPLE3 => {
                    let n = usize::from(op - TUPLE1 + 1);
                    let mut items = vec![0; n];
                    for slot in items.iter_mut().rev() {
                        *slot = self.pop()?;
                    }
                    self.push(Node::Tuple(items));
                }
                DICT => {
                    let items = self.pop_mark()?;
                    self.push(Node::Dict(pairs(&items)));
                }
                APPEND => {
                    let item = self.pop()?;
                    self.extend_list(vec![item])?;
                }
                APPENDS => {
                    let items = self.pop_mark()?;
                    self.extend_list(items)?;
                }
                SETITEM => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.extend_dict(vec![key, value])?;
                }
                SETITEMS => {
                    let items = self.pop_mark()?;
                    self.extend_dict(items)?;
                }
                BINPUT => {
                    let key = self.uint(1)?;
                    self.memo.insert(key, self.top()?);
                }
                LONG_BINPUT => {
                    let key = self.uint(4)?;
                    self.memo.insert(key, self.top()?);
                }
                MEMOIZE => {
                    let key = self.memo.len() as u64;
                    self.memo.insert(key, self.top()?);
                }
                BINGET | LONG_BINGET => {
                    let key = self.uint(if op == BINGET { 1 } else { 4 })?;
                    let Some(&id) = self.memo.get(&key) else {
                        return self.fail(format!("memo entry {key} was never stored"));
                    };
                    self.stack.push(id);
                }
                GLOBAL => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.push(Node::Global { module, name });
                }
                STACK_GLOBAL => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Node::Str(module), Node::Str(name)) = (self.node(module), self.node(name))
                    else {
                        return self.fail("STACK_GLOBAL needs two strings");
                    };
                    let (module, name) = (module.clone(), name.clone());
                    self.push(Node::Global { module, name });
                }
                REDUCE => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let made = self.reduce(callable, args)?;
                    self.push(made);
                }
                BUILD => {
                    let state = self.pop()?;
                    let object = self.top()?;
                    let built = self.build(object, state)?;
                    if let Some(slot) = self.nodes.get_mut(object) {
                        *slot = built;
                    }
                }
                other => return self.fail(format!("unsupported opcode 0x{other:02x}")),
            }
        }
    }

    fn node(&self, id: usize) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::None)
    }

    fn extend_list(&mut self, items: Vec<usize>) -> Result<(), ReadError> {
        let list = self.top()?;
        match self.nodes.get_mut(list) {
            Some(Node::List(list)) => {
                list.extend(items);
                Ok(())
            }
            _ => self.fail("APPEND to something not a list"),
        }
    }

    fn extend_dict(&mut self, items: Vec<usize>) -> Result<(), ReadError> {
        let dict = self.top()?;
        match self.nodes.get_mut(dict) {
            Some(Node::Dict(entries)) => {
                entries.extend(pairs(&items));
                Ok(())
            }
            _ => self.fail("SETITEM on something not a dict"),
        }
    }

    fn tuple(&self, id: usize) -> Option<&[usize]> {
        match self.node(id) {
            Node::Tuple(items) => Some(items),
            _ => None,
        }
    }

    fn shape(&self, id: usize) -> Option<Vec<usize>> {
        let dims = self.tuple(id)?.iter().map(|&d| match self.node(d) {
            Node::Int(n) => usize::try_from(*n).ok(),
            _ => None,
        });
        dims.collect()
    }

    /// The few callables numpy annotation files need; anything else is refused by name.
    fn reduce(&self, callable: usize, args: usize) -> Result<Node, ReadError> {
        let Node::Global { module, name } = self.node(callable) else {
            return self.fail("REDUCE of something not a global");
        };
        let Some(args) = self.tuple(args) else {
            return self.fail("REDUCE arguments are not a tuple");
        };
        let arg = |i: usize| args.get(i).map_or(&Node::None, |&id| self.node(id));
        match (module.as_str(), name.as_str()) {
            ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => {
                Ok(Node::Unbuilt)
            }
            ("numpy", "dtype") => match arg(0) {
                Node::Str(code) => match parse_dtype(code) {
                    Some(dtype) => Ok(Node::Dtype(dtype)),
                    None => self.fail(format!("unknown dtype {code:?}")),
                },
                _ => self.fail("numpy.dtype needs a type code"),
            },
            ("numpy.core.numeric" | "numpy._core.numeric", "_frombuffer") => {
                let (Node::Dtype(dtype), Some(shape), Node::Bytes(_)) =
                    (arg(1), args.get(2).and_then(|&s| self.shape(s)), arg(0))
                else {
                    return self.fail("_frombuffer needs (bytes, dtype, shape, order)");
                };
                if !matches!(arg(3), Node::Str(order) if order == "C") {
                    return self.fail("only C-ordered arrays are read");
                }
                let data = args.first().copied().unwrap_or(0);
                let dtype = *dtype;
                Ok(Node::Array(Array { shape, dtype, data }))
            }
            ("_codecs", "encode") => match arg(0) {
                // Protocol 2 writes bytes as their latin-1 decoding.
                Node::Str(text) => text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect::<Option<Vec<u8>>>()
                    .map(Node::Bytes)
                    .map_or_else(|| self.fail("encoded bytes are not latin-1"), Ok),
                _ => self.fail("_codecs.encode needs a string"),
            },
            _ => self.fail(format!("unsupported object {module}.{name}")),
        }
    }

    fn build(&self, object: usize, state: usize) -> Result<Node, ReadError> {
        let items = self.tuple(state).unwrap_or(&[]);
        let item = |i: usize| items.get(i).map_or(&Node::None, |&id| self.node(id));
        match self.node(object) {
            Node::Unbuilt => {
                let (Some(shape), Node::Dtype(dtype), Node::Bytes(_)) =
                    (items.get(1).and_then(|&s| self.shape(s)), item(2), item(4))
                else {
                    return self
                        .fail("ndarray state is not (version, shape, dtype, fortran, data)");
                };
                if item(3) == &Node::Bool(true) {
                    return self.fail("only C-ordered arrays are read");
                }
                let data = items.get(4).copied().unwrap_or(0);
                let dtype = *dtype;
                Ok(Node::Array(Array { shape, dtype, data }))
            }
            Node::Dtype(dtype) => {
                let mut dtype = *dtype;
                match item(1) {
                    Node::Str(order) if order == ">" => dtype.big_endian = true,
                    Node::Str(order) if matches!(order.as_str(), "<" | "|" | "=") => {
                        dtype.big_endian = false;
                    }
                    _ => return self.fail("dtype state has no byte order"),
                }
                Ok(Node::Dtype(dtype))
            }
            _ => self.fail("BUILD of an object this reader does not know"),
        }
    }
}

/// `[k1, v1, k2, v2, …]` as pairs (an odd last key is dropped, as it has no value).
fn pairs(items: &[usize]) -> Vec<(usize, usize)> {
    items
        .chunks_exact(2)
        .filter_map(|kv| match kv {
            [key, value] => Some((*key, *value)),
            _ => None,
        })
        .collect()
}

/// numpy pickles a dtype as its kind letter and size (`f4`), sometimes with a byte order (`<f8`).
fn parse_dtype(code: &str) -> Option<Dtype> {
    let (big_endian, code) = match code.strip_prefix(['<', '>', '|', '=']) {
        Some(rest) => (code.starts_with('>'), rest),
        None => (false, code),
    };
    let mut chars = code.chars();
    let kind = chars.next()?;
    let size = chars.as_str().parse().ok()?;
    Some(Dtype {
        kind,
        size,
        big_endian,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_values_read_back() {
        let value = Value::Dict(vec![
            (Value::Str("n".into()), Value::Int(-5_000_000_000)),
            (
                Value::Str("small".into()),
                Value::Tuple(vec![Value::Int(7), Value::Int(-1)]),
            ),
            (
                Value::Str("a".into()),
                Value::Array {
                    shape: vec![2, 3],
                    data: vec![0.5, -1.0, 2.0, 3.25, 4.0, f32::MAX],
                },
            ),
        ]);
        let pickle = read(&write(&value)).unwrap();
        let get = |key: &str| pickle.get(pickle.field(pickle.root, key).unwrap()).clone();
        assert_eq!(get("n"), Node::Int(-5_000_000_000));
        let Node::Tuple(small) = get("small") else {
            panic!("not a tuple")
        };
        assert_eq!(pickle.get(small[1]), &Node::Int(-1));
        let Node::Array(array) = get("a") else {
            panic!("not an array")
        };
        assert_eq!(array.shape, [2, 3]);
        assert_eq!(pickle.floats(&array).unwrap()[5], f32::MAX);
    }

    #[test]
    fn shared_arrays_cannot_outgrow_the_file() {
        // One 1000-element array, then 200 memo references to it in a list.
        let mut bytes = write(&Value::Array {
            shape: vec![1000],
            data: vec![0.0; 1000],
        });
        bytes.pop(); // STOP
        bytes.extend_from_slice(&[BINPUT, 0, POP, EMPTY_LIST, MARK]);
        bytes.extend((0..200).flat_map(|_| [BINGET, 0]));
        bytes.extend_from_slice(&[APPENDS, STOP]);
        let pickle = read(&bytes).unwrap();
        let Node::List(items) = pickle.get(pickle.root) else {
            panic!("not a list")
        };
        let decoded = items.iter().map_while(|&id| match pickle.get(id) {
            Node::Array(array) => pickle.floats(array).ok(),
            _ => None,
        });
        assert!(decoded.count() < 10);
    }

    #[test]
    fn foreign_objects_and_bad_opcodes_are_refused() {
        let os = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.";
        assert_eq!(
            read(os).unwrap_err().message,
            "unsupported object os.system"
        );
        assert_eq!(
            read(b"\x80\x02\xff").unwrap_err().message,
            "unsupported opcode 0xff"
        );
        assert_eq!(
            read(b"X\xff\xff\xff\xff").unwrap_err().message,
            "the pickle ends early"
        );
        assert_eq!(read(b"a.").unwrap_err().message, "stack underflow");
        assert_eq!(
            read(b"h\x03.").unwrap_err().message,
            "memo entry 3 was never stored"
        );
    }
}
