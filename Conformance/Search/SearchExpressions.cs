using System.Text;
using System.Text.RegularExpressions;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Syntax;

namespace FhirServer.Conformance.Search;

/// <summary>
/// What the indexer does to a SearchParameter's expression before compiling it for one resource type.
/// </summary>
internal static partial class SearchExpressions
{
    /// <summary>
    /// R4's expressions apply <c>as</c> to collections (<c>Observation.component.value as Quantity</c>,
    /// <c>useContext.value as CodeableConcept</c>), which FHIRPath makes an error for more than one item (N1 §6.3.2);
    /// they mean a filter, and R5 rewrote them with ofType(). So do we: <c>x as T</c> and <c>x.as(T)</c> become
    /// <c>x.ofType(T)</c> (identical on one item). A System type name where FHIR has the primitive
    /// (Observation code-value-date's <c>value.as(DateTime)</c>) becomes the FHIR name, which is what it selects.
    /// String literals and delimited identifiers are left alone.
    /// </summary>
    public static string AdaptR4(string expression)
    {
        if (!expression.Contains("as", StringComparison.Ordinal)) return expression;
        var sb = new StringBuilder(expression.Length + 16);
        var start = 0;
        for (var i = 0; i <= expression.Length; i++)
        {
            if (i < expression.Length && expression[i] is not ('\'' or '`')) continue;
            sb.Append(AdaptCode(expression[start..i]));
            if (i == expression.Length) break;
            var quote = expression[i];
            var end = i + 1;
            while (end < expression.Length && expression[end] != quote) end += expression[end] == '\\' ? 2 : 1;
            end = Math.Min(end + 1, expression.Length);
            sb.Append(expression, i, end - i);
            start = end;
            i = end - 1;
        }
        return sb.ToString();
    }

    private static string AdaptCode(string code)
    {
        code = AsOperator().Replace(code, m => $".ofType({FhirTypeName(m.Groups["type"].Value)})");
        return AsFunction().Replace(code, m => $".ofType({FhirTypeName(m.Groups["type"].Value)})");
    }

    private static string FhirTypeName(string type) => type switch
    {
        "DateTime" => "dateTime", "Date" => "date", "Time" => "time", "String" => "string", "Boolean" => "boolean",
        "Integer" => "integer", "Decimal" => "decimal",
        _ => type,
    };

    // 'x as T' where x ends a path (a name, a call, an index); T possibly qualified (FHIR.Quantity).
    [GeneratedRegex(@"(?<=[\w\)\]])\s+as\s+(?<type>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\b")]
    private static partial Regex AsOperator();

    [GeneratedRegex(@"\.as\(\s*(?<type>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\)")]
    private static partial Regex AsFunction();

    /// <summary>
    /// R4 shares one expression among a parameter's bases (<c>clinical-patient</c> is a union of 31 paths, one per
    /// resource type). Evaluating all of it on an Observation only to find 30 branches empty is wasted work on every
    /// write, so each type keeps only the branches that can apply to it: those that start with its own name or an
    /// ancestor's (<c>Observation.</c>, <c>Resource.</c>), or with no type name at all (<c>extension(…)</c>, <c>id</c>).
    /// Returns the expression narrowed to the branches <paramref name="applies"/> keeps; null when none is left.
    /// </summary>
    public static string? Narrow(string expression, Func<string, bool> applies)
    {
        var syntax = FhirPathEngine.Compile(expression).Syntax;
        var leaves = new List<Expr>();
        Flatten(syntax, leaves);
        var pieces = SplitTopLevelUnion(expression);
        // Only a top-level union of paths is narrowed; anything else (a union under 'and', a comparison) stays whole.
        if (leaves.Count < 2 || pieces.Count != leaves.Count) return expression;
        var kept = new List<string>();
        for (var i = 0; i < leaves.Count; i++)
            if (Head(leaves[i]) is not { } head || applies(head)) kept.Add(pieces[i].Trim());
        if (kept.Count == leaves.Count) return expression;
        return kept.Count == 0 ? null : string.Join(" | ", kept);
    }

    private static void Flatten(Expr e, List<Expr> leaves)
    {
        if (e is BinaryExpr { Operator: "|" } union)
        {
            Flatten(union.Left, leaves);
            Flatten(union.Right, leaves);
        }
        else leaves.Add(e);
    }

    // The identifier a path starts from: Observation in (Observation.value as Quantity).value.
    private static string? Head(Expr e)
    {
        while (true)
        {
            switch (e)
            {
                case IdentifierExpr id: return id.Name;
                case MemberExpr m: e = m.Target; break;
                case FunctionCallExpr { Target: { } target }: e = target; break;
                case IndexerExpr i: e = i.Target; break;
                case TypeOperatorExpr t: e = t.Operand; break;
                default: return null;
            }
        }
    }

    // Splits at '|' outside parentheses, brackets, braces, string literals and delimited identifiers.
    private static List<string> SplitTopLevelUnion(string text)
    {
        var pieces = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '(' or '[' or '{': depth++; break;
                case ')' or ']' or '}': depth--; break;
                case '\'' or '`':
                    for (i++; i < text.Length && text[i] != c; i++)
                        if (text[i] == '\\') i++;
                    break;
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i < text.Length && text[i] != '\n') i++;
                    break;
                case '|' when depth == 0:
                    pieces.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }
        pieces.Add(text[start..]);
        return pieces;
    }
}
