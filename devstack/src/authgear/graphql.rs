//! A parser for the GraphQL a migration backend sends to the Admin API: operations (named or
//! not, with variables), fields with aliases and arguments, every literal kind.
//!
//! Not taken, and reported as such rather than misread: fragments, directives, subscriptions
//! and block strings.

use std::fmt;

/// 1-based, as GraphQL error `locations` are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Variable(String),
    Int(i64),
    Float(f64),
    String(String),
    Boolean(bool),
    Null,
    Enum(String),
    List(Vec<Value>),
    Object(Vec<(String, Value)>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(name) => f.write_str(name),
            Self::List(inner) => write!(f, "[{inner}]"),
            Self::NonNull(inner) => write!(f, "{inner}!"),
        }
    }
}

#[derive(Debug)]
pub struct VariableDefinition {
    pub name: String,
    pub ty: TypeRef,
    pub default: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
}

#[derive(Debug)]
pub struct Field {
    pub alias: Option<String>,
    pub name: String,
    pub arguments: Vec<(String, Value)>,
    pub selection: Option<Vec<Field>>,
    pub pos: Pos,
}

impl Field {
    /// The key the field's result is written under.
    pub fn response_key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug)]
pub struct Operation {
    pub kind: OperationKind,
    pub name: Option<String>,
    pub variables: Vec<VariableDefinition>,
    pub selection: Vec<Field>,
}

#[derive(Debug)]
pub struct Document {
    pub operations: Vec<Operation>,
}

#[derive(Debug, PartialEq)]
pub enum ParseError {
    /// Not GraphQL.
    Syntax { message: String, pos: Pos },
    /// GraphQL the stand-in does not take.
    Unsupported { what: &'static str, pos: Pos },
}

pub fn parse(source: &str) -> Result<Document, ParseError> {
    let tokens = lex(source)?;
    let mut parser = Parser { tokens, at: 0 };
    let mut operations = Vec::new();
    while parser.peek() != &Token::Eof {
        operations.push(parser.operation()?);
    }
    if operations.is_empty() {
        return Err(parser.syntax("Unexpected <EOF>"));
    }
    Ok(Document { operations })
}

/// The top-level fields of every operation of `source` (`createUser`, `updateUser`, …); none
/// when it does not parse.
pub fn top_level_fields(source: &str) -> Vec<String> {
    parse(source).map_or_else(
        |_| Vec::new(),
        |document| {
            document
                .operations
                .into_iter()
                .flat_map(|operation| operation.selection)
                .map(|field| field.name)
                .collect()
        },
    )
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Punct(char),
    Spread,
    Name(String),
    Int(String),
    Float(String),
    Str(String),
    Eof,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Punct(c) => write!(f, "\"{c}\""),
            Self::Spread => f.write_str("\"...\""),
            Self::Name(name) => write!(f, "Name \"{name}\""),
            Self::Int(text) | Self::Float(text) => write!(f, "Number \"{text}\""),
            Self::Str(text) => write!(f, "String \"{text}\""),
            Self::Eof => f.write_str("<EOF>"),
        }
    }
}

fn lex(source: &str) -> Result<Vec<(Token, Pos)>, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line, mut column) = (0usize, 1u32, 1u32);
    let syntax = |message: String, line, column| ParseError::Syntax {
        message,
        pos: Pos { line, column },
    };
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { line, column };
        match c {
            '\n' => {
                i += 1;
                line += 1;
                column = 1;
            }
            '\r' => {
                i += 1;
                if chars.get(i) != Some(&'\n') {
                    line += 1;
                    column = 1;
                }
            }
            ' ' | '\t' | ',' | '\u{feff}' => {
                i += 1;
                column += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                    i += 1;
                }
            }
            '!' | '$' | '&' | '(' | ')' | ':' | '=' | '@' | '[' | ']' | '{' | '|' | '}' => {
                tokens.push((Token::Punct(c), pos));
                i += 1;
                column += 1;
            }
            '.' => {
                if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') {
                    tokens.push((Token::Spread, pos));
                    i += 3;
                    column += 3;
                } else {
                    return Err(syntax("Unexpected character \".\"".into(), line, column));
                }
            }
            '_' | 'a'..='z' | 'A'..='Z' => {
                let start = i;
                while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                column += (i - start) as u32;
                tokens.push((Token::Name(name), pos));
            }
            '-' | '0'..='9' => {
                let start = i;
                let mut float = false;
                if chars[i] == '-' {
                    i += 1;
                }
                let digits = |i: &mut usize| {
                    let from = *i;
                    while *i < chars.len() && chars[*i].is_ascii_digit() {
                        *i += 1;
                    }
                    *i > from
                };
                if !digits(&mut i) {
                    return Err(syntax("Invalid number".into(), line, column));
                }
                if chars.get(i) == Some(&'.') {
                    i += 1;
                    float = true;
                    if !digits(&mut i) {
                        return Err(syntax("Invalid number".into(), line, column));
                    }
                }
                if matches!(chars.get(i), Some('e' | 'E')) {
                    i += 1;
                    float = true;
                    if matches!(chars.get(i), Some('+' | '-')) {
                        i += 1;
                    }
                    if !digits(&mut i) {
                        return Err(syntax("Invalid number".into(), line, column));
                    }
                }
                let text: String = chars[start..i].iter().collect();
                column += (i - start) as u32;
                tokens.push((
                    if float {
                        Token::Float(text)
                    } else {
                        Token::Int(text)
                    },
                    pos,
                ));
            }
            '"' => {
                if chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"') {
                    return Err(ParseError::Unsupported {
                        what: "block strings",
                        pos,
                    });
                }
                i += 1;
                column += 1;
                let mut text = String::new();
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(syntax("Unterminated string".into(), line, column));
                    };
                    i += 1;
                    column += 1;
                    match c {
                        '"' => break,
                        '\n' | '\r' => {
                            return Err(syntax("Unterminated string".into(), line, column));
                        }
                        '\\' => {
                            let Some(&escaped) = chars.get(i) else {
                                return Err(syntax("Unterminated string".into(), line, column));
                            };
                            i += 1;
                            column += 1;
                            text.push(match escaped {
                                '"' => '"',
                                '\\' => '\\',
                                '/' => '/',
                                'b' => '\u{8}',
                                'f' => '\u{c}',
                                'n' => '\n',
                                'r' => '\r',
                                't' => '\t',
                                'u' => {
                                    let hex: String = chars.iter().skip(i).take(4).collect();
                                    let code = u32::from_str_radix(&hex, 16)
                                        .ok()
                                        .filter(|_| hex.len() == 4)
                                        .and_then(char::from_u32)
                                        .ok_or_else(|| {
                                            syntax("Invalid unicode escape".into(), line, column)
                                        })?;
                                    i += 4;
                                    column += 4;
                                    code
                                }
                                other => {
                                    return Err(syntax(
                                        format!("Invalid character escape sequence: \\{other}"),
                                        line,
                                        column,
                                    ));
                                }
                            });
                        }
                        other => text.push(other),
                    }
                }
                tokens.push((Token::Str(text), pos));
            }
            other => {
                return Err(syntax(
                    format!("Unexpected character {other:?}"),
                    line,
                    column,
                ));
            }
        }
    }
    tokens.push((Token::Eof, Pos { line, column }));
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, Pos)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at].0
    }

    fn pos(&self) -> Pos {
        self.tokens[self.at].1
    }

    fn next(&mut self) -> Token {
        let token = self.tokens[self.at].0.clone();
        if token != Token::Eof {
            self.at += 1;
        }
        token
    }

    fn syntax(&self, message: impl Into<String>) -> ParseError {
        ParseError::Syntax {
            message: message.into(),
            pos: self.pos(),
        }
    }

    fn unexpected(&self) -> ParseError {
        self.syntax(format!("Unexpected {}", self.peek()))
    }

    fn unsupported(&self, what: &'static str) -> ParseError {
        ParseError::Unsupported {
            what,
            pos: self.pos(),
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == &Token::Punct(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.syntax(format!("Expected \"{c}\", found {}", self.peek())))
        }
    }

    fn name(&mut self) -> Result<String, ParseError> {
        match self.peek().clone() {
            Token::Name(name) => {
                self.at += 1;
                Ok(name)
            }
            other => Err(self.syntax(format!("Expected Name, found {other}"))),
        }
    }

    fn no_directives(&self) -> Result<(), ParseError> {
        if self.peek() == &Token::Punct('@') {
            Err(self.unsupported("directives"))
        } else {
            Ok(())
        }
    }

    fn operation(&mut self) -> Result<Operation, ParseError> {
        if self.peek() == &Token::Punct('{') {
            return Ok(Operation {
                kind: OperationKind::Query,
                name: None,
                variables: Vec::new(),
                selection: self.selection_set()?,
            });
        }
        let kind = match self.peek() {
            Token::Name(word) if word == "query" => OperationKind::Query,
            Token::Name(word) if word == "mutation" => OperationKind::Mutation,
            Token::Name(word) if word == "subscription" => {
                return Err(self.unsupported("subscriptions"));
            }
            Token::Name(word) if word == "fragment" => return Err(self.unsupported("fragments")),
            _ => return Err(self.unexpected()),
        };
        self.next();
        let name = match self.peek() {
            Token::Name(_) => Some(self.name()?),
            _ => None,
        };
        let mut variables = Vec::new();
        if self.eat('(') {
            while !self.eat(')') {
                self.expect('$')?;
                let name = self.name()?;
                self.expect(':')?;
                let ty = self.type_ref()?;
                let default = if self.eat('=') {
                    Some(self.value(true)?)
                } else {
                    None
                };
                self.no_directives()?;
                variables.push(VariableDefinition { name, ty, default });
            }
        }
        self.no_directives()?;
        Ok(Operation {
            kind,
            name,
            variables,
            selection: self.selection_set()?,
        })
    }

    fn type_ref(&mut self) -> Result<TypeRef, ParseError> {
        let inner = if self.eat('[') {
            let item = self.type_ref()?;
            self.expect(']')?;
            TypeRef::List(Box::new(item))
        } else {
            TypeRef::Named(self.name()?)
        };
        Ok(if self.eat('!') {
            TypeRef::NonNull(Box::new(inner))
        } else {
            inner
        })
    }

    fn selection_set(&mut self) -> Result<Vec<Field>, ParseError> {
        self.expect('{')?;
        let mut fields = Vec::new();
        loop {
            if self.peek() == &Token::Spread {
                return Err(self.unsupported("fragments"));
            }
            fields.push(self.field()?);
            if self.eat('}') {
                return Ok(fields);
            }
        }
    }

    fn field(&mut self) -> Result<Field, ParseError> {
        let pos = self.pos();
        let first = self.name()?;
        let (alias, name) = if self.eat(':') {
            (Some(first), self.name()?)
        } else {
            (None, first)
        };
        let mut arguments = Vec::new();
        if self.eat('(') {
            while !self.eat(')') {
                let argument = self.name()?;
                self.expect(':')?;
                arguments.push((argument, self.value(false)?));
            }
            if arguments.is_empty() {
                return Err(self.syntax("Expected Name, found \")\""));
            }
        }
        self.no_directives()?;
        let selection = if self.peek() == &Token::Punct('{') {
            Some(self.selection_set()?)
        } else {
            None
        };
        Ok(Field {
            alias,
            name,
            arguments,
            selection,
            pos,
        })
    }

    /// A value; `constant` forbids variables (default values).
    fn value(&mut self, constant: bool) -> Result<Value, ParseError> {
        let token = self.peek().clone();
        Ok(match token {
            Token::Punct('$') if !constant => {
                self.next();
                Value::Variable(self.name()?)
            }
            Token::Int(text) => {
                self.next();
                Value::Int(
                    text.parse()
                        .map_err(|_| self.syntax(format!("Int cannot represent {text}")))?,
                )
            }
            Token::Float(text) => {
                self.next();
                Value::Float(text.parse().unwrap_or_default())
            }
            Token::Str(text) => {
                self.next();
                Value::String(text)
            }
            Token::Name(name) => {
                self.next();
                match name.as_str() {
                    "true" => Value::Boolean(true),
                    "false" => Value::Boolean(false),
                    "null" => Value::Null,
                    _ => Value::Enum(name),
                }
            }
            Token::Punct('[') => {
                self.next();
                let mut items = Vec::new();
                while !self.eat(']') {
                    items.push(self.value(constant)?);
                }
                Value::List(items)
            }
            Token::Punct('{') => {
                self.next();
                let mut fields = Vec::new();
                while !self.eat('}') {
                    let name = self.name()?;
                    self.expect(':')?;
                    fields.push((name, self.value(constant)?));
                }
                Value::Object(fields)
            }
            _ => return Err(self.unexpected()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_a_backend_sends() {
        let doc = parse(
            r#"
            # Authgear's guide, more or less
            mutation createSession($input: CreateSessionInput!) {
              createSession(input: $input) { refreshToken accessToken tokenType expiresIn }
            }
            query user($key: String! = "email", $value: String!) {
              u: getUserByLoginID(loginIDKey: $key, loginIDValue: $value) { id isDisabled }
            }"#,
        )
        .unwrap();
        assert_eq!(doc.operations.len(), 2);
        let mutation = &doc.operations[0];
        assert_eq!(mutation.kind, OperationKind::Mutation);
        assert_eq!(mutation.variables[0].ty.to_string(), "CreateSessionInput!");
        let field = &mutation.selection[0];
        assert_eq!(
            field.pos,
            Pos {
                line: 4,
                column: 15
            }
        );
        assert_eq!(field.arguments[0].1, Value::Variable("input".into()));
        let query = &doc.operations[1];
        assert_eq!(query.selection[0].response_key(), "u");
        assert_eq!(
            query.variables[0].default,
            Some(Value::String("email".into()))
        );
    }

    #[test]
    fn parses_inline_literals() {
        let doc = parse(
            r#"mutation { createSession(input: {userID: "VXNlcjox", clientID: "c\u0041", deviceInfo: null}) { accessToken } }"#,
        )
        .unwrap();
        let Value::Object(fields) = &doc.operations[0].selection[0].arguments[0].1 else {
            panic!("an object literal");
        };
        assert_eq!(fields[1], ("clientID".into(), Value::String("cA".into())));
        assert_eq!(fields[2].1, Value::Null);
        let doc = parse("{ a(n: -12, f: 1.5e3, e: FOO, l: [1 2]) { b } }").unwrap();
        let args = &doc.operations[0].selection[0].arguments;
        assert_eq!(args[0].1, Value::Int(-12));
        assert_eq!(args[1].1, Value::Float(1500.0));
        assert_eq!(args[2].1, Value::Enum("FOO".into()));
        assert_eq!(args[3].1, Value::List(vec![Value::Int(1), Value::Int(2)]));
    }

    #[test]
    fn tells_unsupported_from_broken() {
        assert!(matches!(
            parse("{ ...F } fragment F on Query { a }"),
            Err(ParseError::Unsupported {
                what: "fragments",
                ..
            })
        ));
        assert!(matches!(
            parse("{ a @include(if: true) }"),
            Err(ParseError::Unsupported {
                what: "directives",
                ..
            })
        ));
        assert!(matches!(parse("{ a "), Err(ParseError::Syntax { .. })));
        assert!(matches!(parse(""), Err(ParseError::Syntax { .. })));
        assert!(matches!(parse("{ }"), Err(ParseError::Syntax { .. })));
        assert!(matches!(
            parse("{ a(x: \"open) }"),
            Err(ParseError::Syntax { .. })
        ));
    }
}
