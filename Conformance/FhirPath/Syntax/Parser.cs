using System.Globalization;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Syntax;

/// <summary>
/// Recursive-descent parser of the N1 grammar (§A). Operator precedence, loosest first (N1 §6.8 "Operator
/// precedence"): implies; or xor; and; in contains; = ~ != !~; &lt; &gt; &lt;= &gt;=; |; is as; + - &amp;;
/// * / div mod; unary + -; then . and [] invocations.
/// <para>
/// Each nested sub-expression (parentheses, an argument, an index) and each unary sign is a level of recursion here,
/// and each node of the tree a level for the compiler, the static check and evaluation: both are bounded by
/// <see cref="FhirPathLimits.MaxDepth"/>, the first as the parser goes (before the stack runs out), the second once
/// the tree is built.
/// </para>
/// </summary>
public sealed class Parser
{
    private static readonly string[][] BinaryLevels =
    [
        ["implies"],
        ["or", "xor"],
        ["and"],
        ["in", "contains"],
        ["=", "~", "!=", "!~"],
        ["<", ">", "<=", ">="],
        ["|"],
        ["is", "as"],
        ["+", "-", "&"],
        ["*", "/", "div", "mod"],
    ];

    private const int TypeLevel = 7;

    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private int _pos;
    private int _depth;

    private Parser(string text, int maxDepth)
    {
        _tokens = Lexer.Tokenize(text);
        _maxDepth = maxDepth;
    }

    public static Expr Parse(string text) => Parse(text, FhirPathLimits.Default);

    /// <summary>Parses within <paramref name="limits"/>; throws a syntax <see cref="FhirPathException"/> (with <see cref="FhirPathException.Limit"/>) past them.</summary>
    public static Expr Parse(string text, FhirPathLimits limits)
    {
        if (text.Length > limits.MaxLength) throw FhirPathException.TooLong(text.Length, limits.MaxLength);
        var parser = new Parser(text, limits.MaxDepth);
        var expr = parser.Expression();
        if (parser.Current.Kind != TokenKind.End)
            throw FhirPathException.Syntax($"Unexpected {parser.Current}", parser.Current.Position);
        var (depth, deepest) = SyntaxDepth.Of(expr);
        if (depth > limits.MaxDepth) throw FhirPathException.TooDeep(limits.MaxDepth, deepest.Position);
        return expr;
    }

    // One more level of recursion (a nested sub-expression or a unary sign); refused past the limit.
    private void Enter()
    {
        if (++_depth > _maxDepth) throw FhirPathException.TooDeep(_maxDepth, Current.Position);
    }

    private Token Current => _tokens[_pos];
    private Token PeekAt(int offset) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];

    private Token Next() => _tokens[_pos++];

    private void Expect(string symbol)
    {
        if (!Current.Is(symbol) || Current.Kind != TokenKind.Symbol)
            throw FhirPathException.Syntax($"Expected '{symbol}' but found {Current}", Current.Position);
        _pos++;
    }

    // A whole expression: the top, a parenthesized one, an argument or an index.
    private Expr Expression()
    {
        Enter();
        var expr = Binary(0);
        _depth--;
        return expr;
    }

    // Precedence climbing: the operators of minLevel or tighter, left-associative. One frame per operator of rising
    // precedence rather than one per level of the table, so that each level of nesting costs the stack little.
    private Expr Binary(int minLevel)
    {
        var left = Unary();
        while (OperatorLevel(Current) is { } level && level >= minLevel)
        {
            var token = Next();
            left = level == TypeLevel
                ? new TypeOperatorExpr(token.Text, left, TypeSpec(), token.Position)
                : new BinaryExpr(token.Text, left, Binary(level + 1), token.Position);
        }
        return left;
    }

    private static int? OperatorLevel(Token token)
    {
        for (var level = 0; level < BinaryLevels.Length; level++)
            if (Array.IndexOf(BinaryLevels[level], token.Text) >= 0 && token.Is(token.Text)) return level;
        return null;
    }

    private TypeSpecifier TypeSpec()
    {
        var first = Identifier("a type name");
        if (Current.Is(".") && Current.Kind == TokenKind.Symbol)
        {
            _pos++;
            return new TypeSpecifier(first, Identifier("a type name"));
        }
        return new TypeSpecifier(null, first);
    }

    private Expr Unary()
    {
        if (Current.Kind == TokenKind.Symbol && (Current.Text == "+" || Current.Text == "-"))
        {
            Enter();
            var op = Next();
            var unary = new UnaryExpr(op.Text, Unary(), op.Position);
            _depth--;
            return unary;
        }
        return Postfix(Term());
    }

    private Expr Postfix(Expr expr)
    {
        while (Current.Kind == TokenKind.Symbol)
        {
            if (Current.Text == ".")
            {
                _pos++;
                var nameToken = Current;
                var name = Identifier("a name after '.'");
                expr = Current.Is("(") && Current.Kind == TokenKind.Symbol
                    ? new FunctionCallExpr(expr, name, Arguments(), nameToken.Position)
                    : new MemberExpr(expr, name, nameToken.Position);
            }
            else if (Current.Text == "[")
            {
                var open = Next();
                var index = Expression();
                Expect("]");
                expr = new IndexerExpr(expr, index, open.Position);
            }
            else break;
        }
        return expr;
    }

    private Expr Term()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number:
                _pos++;
                return NumberOrQuantity(t);
            case TokenKind.LongNumber:
                _pos++;
                return new LiteralExpr(long.Parse(t.Text, CultureInfo.InvariantCulture), t.Position);
            case TokenKind.String:
                _pos++;
                return new LiteralExpr(t.Text, t.Position);
            case TokenKind.DateTime:
            {
                _pos++;
                var kind = t.Text.Contains('T') ? TemporalKind.DateTime : TemporalKind.Date;
                var value = PartialDateTime.TryParse(t.Text, kind) ?? throw FhirPathException.Syntax($"Invalid date/time literal '@{t.Text}'", t.Position);
                return new LiteralExpr(value, t.Position);
            }
            case TokenKind.Time:
            {
                _pos++;
                var value = PartialDateTime.TryParse(t.Text, TemporalKind.Time) ?? throw FhirPathException.Syntax($"Invalid time literal '@T{t.Text}'", t.Position);
                return new LiteralExpr(value, t.Position);
            }
            case TokenKind.ExternalConstant:
                _pos++;
                return new VariableExpr(t.Text, t.Position);
            case TokenKind.Special:
                _pos++;
                return new SpecialVariableExpr(t.Text, t.Position);
            case TokenKind.Symbol when t.Text == "(":
            {
                _pos++;
                var inner = Expression();
                Expect(")");
                return inner;
            }
            case TokenKind.Symbol when t.Text == "{":
                _pos++;
                Expect("}");
                return new EmptyExpr(t.Position);
            case TokenKind.Identifier or TokenKind.DelimitedIdentifier:
            {
                if (t.Kind == TokenKind.Identifier && t.Text is "true" or "false" && !PeekAt(1).Is("("))
                {
                    _pos++;
                    return new LiteralExpr(t.Text == "true", t.Position);
                }
                var name = Identifier("an identifier");
                return Current.Is("(") && Current.Kind == TokenKind.Symbol
                    ? new FunctionCallExpr(null, name, Arguments(), t.Position)
                    : new IdentifierExpr(name, t.Position);
            }
            default:
                throw FhirPathException.Syntax($"Unexpected {t}", t.Position);
        }
    }

    private Expr NumberOrQuantity(Token number)
    {
        object value;
        if (number.Text.Contains('.')) value = decimal.Parse(number.Text, CultureInfo.InvariantCulture);
        else if (int.TryParse(number.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var i)) value = i;
        else throw FhirPathException.Syntax($"Integer literal '{number.Text}' is out of range", number.Position);
        var decimalValue = value is int n ? n : (decimal)value;
        // quantity: NUMBER unit, unit = dateTimePrecision | pluralDateTimePrecision | STRING (N1 §A).
        if (Current.Kind == TokenKind.String)
            return new LiteralExpr(new Quantity(decimalValue, Next().Text), number.Position);
        if (Current.Kind == TokenKind.Identifier && Quantity.IsCalendarWord(Current.Text) && !PeekAt(1).Is("("))
            return new LiteralExpr(new Quantity(decimalValue, Quantity.NormalizeCalendarWord(Next().Text)), number.Position);
        return new LiteralExpr(value, number.Position);
    }

    private List<Expr> Arguments()
    {
        Expect("(");
        var args = new List<Expr>();
        if (Current.Is(")") && Current.Kind == TokenKind.Symbol)
        {
            _pos++;
            return args;
        }
        while (true)
        {
            args.Add(Expression());
            if (Current.Is(",") && Current.Kind == TokenKind.Symbol)
            {
                _pos++;
                continue;
            }
            Expect(")");
            return args;
        }
    }

    private string Identifier(string what)
    {
        var t = Current;
        if (t.Kind is TokenKind.Identifier or TokenKind.DelimitedIdentifier)
        {
            _pos++;
            return t.Text;
        }
        throw FhirPathException.Syntax($"Expected {what} but found {t}", t.Position);
    }
}
