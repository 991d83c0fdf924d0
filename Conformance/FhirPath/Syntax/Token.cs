namespace FhirServer.Conformance.FhirPath.Syntax;

internal enum TokenKind
{
    End,
    Identifier,
    DelimitedIdentifier,
    String,
    Number,
    LongNumber,
    DateTime,
    Time,
    ExternalConstant,
    Special,
    Symbol,
}

/// <summary>A lexical token; <see cref="Text"/> is unescaped for strings and delimited names, without the marker for <c>@</c>, <c>%</c> and <c>$</c> tokens.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position)
{
    public bool Is(string symbol) => (Kind == TokenKind.Symbol || Kind == TokenKind.Identifier) && Text == symbol;

    public override string ToString() => Kind == TokenKind.End ? "end of expression" : $"'{Text}'";
}
