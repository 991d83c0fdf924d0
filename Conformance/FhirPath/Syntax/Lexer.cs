using System.Text;

namespace FhirServer.Conformance.FhirPath.Syntax;

/// <summary>Splits an expression into tokens following the lexer rules of the N1 grammar (§ Appendix A, "Lexical").</summary>
internal static class Lexer
{
    private static readonly string[] TwoCharSymbols = ["<=", ">=", "!=", "!~"];

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            i = SkipTrivia(text, i);
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", i));
                return tokens;
            }
            var start = i;
            var c = text[i];
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                // A '.' belongs to the number only when a digit follows: 1.convertsToInteger() is an invocation on 1.
                if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
                {
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                }
                else if (i < text.Length && text[i] == 'L')
                {
                    tokens.Add(new Token(TokenKind.LongNumber, text[start..i], start));
                    i++;
                    continue;
                }
                tokens.Add(new Token(TokenKind.Number, text[start..i], start));
            }
            else if (c is '\'' or '`')
            {
                var (value, end) = ReadQuoted(text, i, c);
                tokens.Add(new Token(c == '\'' ? TokenKind.String : TokenKind.DelimitedIdentifier, value, start));
                i = end;
            }
            else if (c == '@')
            {
                i++;
                var time = i < text.Length && text[i] == 'T';
                if (time) i++;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] is '-' or ':' or 'T' or 'Z' or '+' or '.'))
                {
                    // '.' continues the literal only before a fraction digit (@T10:00:00.123 vs @2012.is(Date)).
                    if (text[i] == '.' && !(i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))) break;
                    // After the date part, '-' and '+' start a timezone only once a time has started; otherwise they are operators.
                    if (text[i] is '+' && !text.AsSpan(start, i - start).Contains('T')) break;
                    if (text[i] == 'Z')
                    {
                        i++;
                        break;
                    }
                    i++;
                }
                var literal = text[(start + 1)..i];
                if (literal.Length == 0 || literal == "T") throw FhirPathException.Syntax("Invalid date/time literal", start);
                tokens.Add(new Token(time ? TokenKind.Time : TokenKind.DateTime, time ? literal[1..] : literal, start));
            }
            else if (c == '%')
            {
                i++;
                if (i < text.Length && text[i] is '`' or '"' or '\'')
                {
                    var (value, end) = ReadQuoted(text, i, text[i]);
                    tokens.Add(new Token(TokenKind.ExternalConstant, value, start));
                    i = end;
                }
                else
                {
                    var nameStart = i;
                    while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-')) i++;
                    if (i == nameStart) throw FhirPathException.Syntax("Expected a name after '%'", start);
                    tokens.Add(new Token(TokenKind.ExternalConstant, text[nameStart..i], start));
                }
            }
            else if (c == '$')
            {
                i++;
                while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
                var name = text[(start + 1)..i];
                if (name is not ("this" or "index" or "total")) throw FhirPathException.Syntax($"Unknown special variable '${name}'", start);
                tokens.Add(new Token(TokenKind.Special, name, start));
            }
            else
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
                if (two is not null && TwoCharSymbols.Contains(two))
                {
                    tokens.Add(new Token(TokenKind.Symbol, two, start));
                    i += 2;
                }
                else if ("+-*/&|<>=~()[]{},.".Contains(c))
                {
                    tokens.Add(new Token(TokenKind.Symbol, c.ToString(), start));
                    i++;
                }
                else throw FhirPathException.Syntax($"Unexpected character '{c}'", start);
            }
        }
    }

    private static int SkipTrivia(string text, int i)
    {
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) i++;
            else if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
            }
            else if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw FhirPathException.Syntax("Unterminated comment", i);
                i = end + 2;
            }
            else break;
        }
        return i;
    }

    // Escapes of N1 §A "ESC": \' \" \` \\ \/ \f \n \r \t and \uXXXX.
    private static (string Value, int End) ReadQuoted(string text, int start, char quote)
    {
        var sb = new StringBuilder();
        var i = start + 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == quote) return (sb.ToString(), i + 1);
            if (c == '\\')
            {
                if (i + 1 >= text.Length) break;
                var e = text[i + 1];
                i += 2;
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u':
                        if (i + 4 > text.Length || !int.TryParse(text.AsSpan(i, 4), System.Globalization.NumberStyles.HexNumber, null, out var code))
                            throw FhirPathException.Syntax("Invalid \\u escape", i - 2);
                        sb.Append((char)code);
                        i += 4;
                        break;
                    case '\'' or '"' or '`' or '\\' or '/': sb.Append(e); break;
                    default: throw FhirPathException.Syntax($"Invalid escape '\\{e}'", i - 2);
                }
                continue;
            }
            sb.Append(c);
            i++;
        }
        throw FhirPathException.Syntax("Unterminated " + (quote == '\'' ? "string" : "delimited identifier"), start);
    }
}
