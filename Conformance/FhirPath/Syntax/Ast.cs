namespace FhirServer.Conformance.FhirPath.Syntax;

// The abstract syntax of N1 §A: every node records where it starts in the expression text, for error messages.
public abstract record Expr(int Position);

/// <summary>A literal: string, bool, int (Integer), long (Long), decimal, PartialDateTime or Quantity.</summary>
public sealed record LiteralExpr(object Value, int Position) : Expr(Position);

/// <summary><c>{}</c>: the empty collection.</summary>
public sealed record EmptyExpr(int Position) : Expr(Position);

/// <summary>An identifier in the position of an invocation: a member of the focus, or a type name at the head of a path (<c>Patient.name</c>).</summary>
public sealed record IdentifierExpr(string Name, int Position) : Expr(Position);

/// <summary><c>$this</c>, <c>$index</c> or <c>$total</c> (N1 §5.2 "Filtering and projection", §7 "Aggregates").</summary>
public sealed record SpecialVariableExpr(string Name, int Position) : Expr(Position);

/// <summary><c>%name</c>: an environment variable (N1 §9, FHIR R4 fhirpath.html "Variables").</summary>
public sealed record VariableExpr(string Name, int Position) : Expr(Position);

/// <summary><c>target.name</c>.</summary>
public sealed record MemberExpr(Expr Target, string Name, int Position) : Expr(Position);

/// <summary><c>name(args)</c>, on the focus when <see cref="Target"/> is null.</summary>
public sealed record FunctionCallExpr(Expr? Target, string Name, IReadOnlyList<Expr> Arguments, int Position) : Expr(Position);

/// <summary><c>target[index]</c>.</summary>
public sealed record IndexerExpr(Expr Target, Expr Index, int Position) : Expr(Position);

/// <summary>Unary <c>+</c> or <c>-</c> (polarity).</summary>
public sealed record UnaryExpr(string Operator, Expr Operand, int Position) : Expr(Position);

public sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Position) : Expr(Position);

/// <summary><c>operand is T</c> / <c>operand as T</c>.</summary>
public sealed record TypeOperatorExpr(string Operator, Expr Operand, TypeSpecifier Type, int Position) : Expr(Position);

/// <summary>A type name with its optional namespace (<c>FHIR.Patient</c>, <c>System.String</c>, <c>Quantity</c>).</summary>
public sealed record TypeSpecifier(string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? Name : Namespace + "." + Name;
}
