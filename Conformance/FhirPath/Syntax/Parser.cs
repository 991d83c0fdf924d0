using System.Globalization;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Syntax;

/// <summary>
/// Recursive-descent parser of the N1 grammar (§A). Operator precedence, loosest first (N1 §6.8 "Operator
/// precedence"): implies; or xor; and; in contains; = ~ != !~; &lt; &gt; &lt;= &gt;=; |; is as; + - &amp;;
/// * / div mod; unary + -; then . and [] invocations.
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
    private int _pos;

    private Parser(string text) => _tokens = Lexer.Tokenize(text);

    public static Expr Parse(string text)
    {
        var parser = new Parser(text);
        var expr = parser.Expression(0);
        if (parser.Current.Kind != TokenKind.End)
            throw FhirPathException.Syntax($"Unexpected {parser.Current}", parser.Current.Position);
        return expr;
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

    private Expr Expression(int level)
    {
        if (level >= BinaryLevels.Length) return Unary();
        var left = Expression(level + 1);
        while (true)
        {
            var token = Current;
            var op = BinaryLevels[level].FirstOrDefault(o => token.Is(o));
            if (op is null) return left;
            _pos++;
            if (level == TypeLevel)
            {
                left = new TypeOperatorExpr(op, left, TypeSpec(), token.Position);
                continue;
            }
            var right = Expression(level + 1);
            left = new BinaryExpr(op, left, right, token.Position);
        }
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
            var op = Next();
            return new UnaryExpr(op.Text, Unary(), op.Position);
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
                var index = Expression(0);
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
                var inner = Expression(0);
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
            args.Add(Expression(0));
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
