//! The syntax tree: what the user wrote, with a span on every node. Names are
//! not resolved and units are not checked yet.

use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntLit {
    pub value: i64,
    pub span: Span,
}

/// `15m` as written: the unit is validated by the checker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationLit {
    pub amount: u64,
    pub unit: String,
    pub span: Span,
}

/// `USD 12.50` as written: currency and the decimal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyLit {
    pub currency: String,
    pub amount: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub file: FileId,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Use(Ident),
    Tool(ToolDecl),
    ResourceType(ResourceTypeDecl),
    Resource(ResourceDecl),
    Sanitizer(SanitizerDecl),
    Preset(AgentDecl),
    Agent(AgentDecl),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolDecl {
    pub name: Ident,
    pub items: Vec<ToolItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolItem {
    Doc(StrLit),
    Verb(Ident),
    Resource {
        ty: Ident,
        arg: Ident,
    },
    Arg {
        name: Ident,
        optional: bool,
        ty: TypeExpr,
    },
    Effects(Vec<Ident>),
    Output {
        trust: Ident,
        sensitivity: Ident,
    },
    Endpoint(StrLit),
    Aws {
        actions: Vec<StrLit>,
        arn: Option<StrLit>,
        /// `condition "KEY" = arg` clauses, in source order.
        conditions: Vec<(StrLit, Ident)>,
    },
    Spends(Ident),
    /// `source mcp "SERVER" tool "NAME"`: the MCP server and tool name.
    Source {
        server: StrLit,
        tool: Option<StrLit>,
    },
    /// `pin "sha3-256:..."`: see `mcp::pin`.
    Pin(StrLit),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    String,
    Int,
    Bool,
    Duration,
    Money(Option<Ident>),
    Enum(Vec<StrLit>),
    List(Box<TypeExpr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTypeDecl {
    pub name: Ident,
    pub parent: Option<Ident>,
    pub attrs: Vec<Attr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDecl {
    pub ty: Ident,
    pub pattern: StrLit,
    pub parent: Option<StrLit>,
    pub attrs: Vec<Attr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: Ident,
    pub value: AttrValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    Word(Ident),
    Bool(bool),
    Str(StrLit),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizerDecl {
    pub name: Ident,
    pub description: Option<StrLit>,
    pub span: Span,
}

/// An agent, or a preset (which holds a subset of agent items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDecl {
    pub name: Ident,
    pub items: Vec<AgentItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentItem {
    pub kind: AgentItemKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentItemKind {
    Owner(StrLit),
    Domain(Vec<Ident>),
    AwsRole(StrLit),
    Kubernetes {
        namespace: StrLit,
        labels: Vec<(StrLit, StrLit)>,
    },
    Credentials(DurationLit),
    Egress(Vec<StrLit>),
    Memory(Ident),
    Delegate(Vec<Ident>),
    Justification,
    Audit {
        fields: Vec<Ident>,
        tamper_evident: bool,
    },
    Apply(Ident),
    Allow(GrantDecl),
    Deny(DenyDecl),
    Gate {
        tool: Ident,
        approval: ApprovalDecl,
    },
    Limit {
        tool: Ident,
        count: IntLit,
        window: Option<DurationLit>,
    },
    Budget(MoneyLit),
    Log {
        tool: Ident,
        fields: Vec<Ident>,
    },
}

impl AgentItemKind {
    /// The keyword that starts the item, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            AgentItemKind::Owner(_) => "owner",
            AgentItemKind::Domain(_) => "domain",
            AgentItemKind::AwsRole(_) => "aws role",
            AgentItemKind::Kubernetes { .. } => "kubernetes",
            AgentItemKind::Credentials(_) => "credentials",
            AgentItemKind::Egress(_) => "egress",
            AgentItemKind::Memory(_) => "memory",
            AgentItemKind::Delegate(_) => "delegate",
            AgentItemKind::Justification => "justification",
            AgentItemKind::Audit { .. } => "audit",
            AgentItemKind::Apply(_) => "apply",
            AgentItemKind::Allow(_) => "allow",
            AgentItemKind::Deny(_) => "deny",
            AgentItemKind::Gate { .. } => "approve",
            AgentItemKind::Limit { .. } => "limit",
            AgentItemKind::Budget(_) => "budget",
            AgentItemKind::Log { .. } => "log",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantDecl {
    /// A tool name, or a pattern ending in `.*`.
    pub tool: Ident,
    pub via: Option<Ident>,
    pub extract: Option<Ident>,
    pub condition: Option<Expr>,
    pub approvals: Vec<ApprovalDecl>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyDecl {
    pub tool: Ident,
    pub condition: Option<Expr>,
    pub reason: Option<StrLit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalDecl {
    /// `None` means `always`.
    pub condition: Option<Expr>,
    pub group: StrLit,
    pub count: Option<IntLit>,
    pub reason: Option<StrLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Has(Ident),
    /// A bare name: a boolean argument or attribute.
    Path(Ident),
    Test {
        lhs: Ident,
        op: TestOp,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOp {
    Cmp(CmpOp, Literal),
    In(Vec<Literal>),
    Like(StrLit),
    Any(Vec<Literal>),
    All(Vec<Literal>),
    Contains(Literal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum CmpOp {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub kind: LitKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LitKind {
    Str(String),
    Int(i64),
    Bool(bool),
    Duration(DurationLit),
    Money(MoneyLit),
}

impl LitKind {
    pub fn describe(&self) -> &'static str {
        match self {
            LitKind::Str(_) => "a string",
            LitKind::Int(_) => "an integer",
            LitKind::Bool(_) => "a boolean",
            LitKind::Duration(_) => "a duration",
            LitKind::Money(_) => "a money amount",
        }
    }
}
