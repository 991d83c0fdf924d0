namespace FhirServer.Terminology.Model;

/// <summary>
/// A syntax check of the SNOMED CT Expression Constraint Language (ECL 2.x, snomed.org/ecl), the value of a SNOMED CT
/// value set filter on the property <c>constraint</c>: focus concepts with their constraint operators and member-of,
/// compound (AND, OR, MINUS, comma), dotted and refined expressions, attribute groups, cardinalities, reverse flags,
/// concrete values. The parts of ECL 2.x it does not read (filters in <c>{{ }}</c>, alternate identifiers) are not
/// judged: only an expression this grammar cannot read at a point where it reads everything ECL allows is refused.
/// </summary>
public static class SnomedEcl
{
    /// <summary>False when the expression is not ECL; true when it is, or uses a part this check does not read.</summary>
    public static bool IsWellFormed(string expression)
    {
        var parser = new Parser(expression);
        try
        {
            parser.ExpressionConstraint();
            parser.SkipSpace();
            return parser.AtEnd;
        }
        catch (NotReadException)
        {
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private sealed class NotReadException : Exception;

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        private int _at;

        public readonly bool AtEnd => _at >= _text.Length;

        public void ExpressionConstraint()
        {
            SubExpressionConstraint();
            SkipSpace();
            if (Take(":"))
            {
                Refinement();
                return;
            }
            while (true)
            {
                SkipSpace();
                if (TakeWord("AND") || TakeWord("OR") || TakeWord("MINUS") || Take(","))
                    SubExpressionConstraint();
                else if (Take("."))
                    SubExpressionConstraint();
                else return;
            }
        }

        private void SubExpressionConstraint()
        {
            SkipSpace();
            _ = Take("<<!") || Take("<<") || Take("<!") || Take(">>!") || Take(">>") || Take(">!") || Take("!!>") || Take("!!<") || Take("<") || Take(">");
            SkipSpace();
            if (Take("^")) SkipSpace();
            if (Take("("))
            {
                ExpressionConstraint();
                Expect(")");
            }
            else if (!Take("*")) ConceptReference();
            SkipSpace();
            if (Peek("{{")) throw new NotReadException();
        }

        private void ConceptReference()
        {
            var start = _at;
            while (!AtEnd && char.IsAsciiDigit(_text[_at])) _at++;
            if (_at - start is < 6 or > 18)
            {
                // An alternate identifier (scheme#code) is ECL 2.x, not read here.
                if (_at == start && !AtEnd && char.IsAsciiLetter(_text[_at]) && _text.IndexOf('#', _at) > 0) throw new NotReadException();
                throw new FormatException();
            }
            SkipSpace();
            if (!Take("|")) return;
            var end = _text.IndexOf('|', _at);
            if (end < 0) throw new FormatException();
            _at = end + 1;
        }

        private void Refinement()
        {
            SubRefinement();
            while (true)
            {
                SkipSpace();
                if (TakeWord("AND") || TakeWord("OR") || Take(",")) SubRefinement();
                else return;
            }
        }

        private void SubRefinement()
        {
            SkipSpace();
            if (Peek("("))
            {
                // A nested refinement or an attribute whose name is a bracketed expression: tried as a refinement first.
                var mark = _at;
                Take("(");
                try
                {
                    Refinement();
                    Expect(")");
                    return;
                }
                catch (FormatException)
                {
                    _at = mark;
                }
            }
            Cardinality();
            SkipSpace();
            if (Take("{"))
            {
                Refinement();
                Expect("}");
                return;
            }
            Attribute(cardinalityRead: true);
        }

        private void Attribute(bool cardinalityRead)
        {
            if (!cardinalityRead) Cardinality();
            SkipSpace();
            if (Peek("R") && _at + 1 < _text.Length && !char.IsAsciiLetterOrDigit(_text[_at + 1])) Take("R");
            SubExpressionConstraint();
            SkipSpace();
            if (!(Take("!=") || Take("<=") || Take(">=") || Take("=") || Take("<") || Take(">"))) throw new FormatException();
            SkipSpace();
            if (Take("#"))
            {
                var start = _at;
                while (!AtEnd && (char.IsAsciiDigit(_text[_at]) || _text[_at] is '.' or '-' or '+')) _at++;
                if (_at == start) throw new FormatException();
            }
            else if (Take("\""))
            {
                var end = _text.IndexOf('"', _at);
                if (end < 0) throw new FormatException();
                _at = end + 1;
            }
            else if (!(TakeWord("true") || TakeWord("false"))) SubExpressionConstraint();
        }

        private void Cardinality()
        {
            SkipSpace();
            if (!Take("[")) return;
            var end = _text.IndexOf(']', _at);
            if (end < 0 || !_text.AsSpan(_at, end - _at).Contains("..", StringComparison.Ordinal)) throw new FormatException();
            _at = end + 1;
        }

        private void Expect(string token)
        {
            SkipSpace();
            if (!Take(token)) throw new FormatException();
        }

        private readonly bool Peek(string token) => string.CompareOrdinal(_text, _at, token, 0, token.Length) == 0;

        private bool Take(string token)
        {
            if (!Peek(token)) return false;
            _at += token.Length;
            return true;
        }

        // A keyword, in any case, not followed by a letter (ECL keywords are case-insensitive).
        private bool TakeWord(string word)
        {
            if (_at + word.Length > _text.Length || string.Compare(_text, _at, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) != 0) return false;
            if (_at + word.Length < _text.Length && char.IsAsciiLetter(_text[_at + word.Length])) return false;
            _at += word.Length;
            return true;
        }

        public void SkipSpace()
        {
            while (!AtEnd)
            {
                if (char.IsWhiteSpace(_text[_at])) _at++;
                else if (Peek("/*") && _text.IndexOf("*/", _at + 2, StringComparison.Ordinal) is var end and > 0) _at = end + 2;
                else return;
            }
        }
    }
}
