using System.Text;
using System.Text.RegularExpressions;
using FhirServer.Conformance.FhirPath.Compilation;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// N1 §5.6 String manipulation (and the 2.x additions trim, split, join, encode, decode, escape, unescape,
/// matchesFull). The input must be a single String; anything else is an error.
/// </summary>
internal static class StringFunctions
{
    // Regular expressions run in single-line mode ('.' matches new lines) with a time limit (N1 §5.6.9 matches).
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(2);

    public static void Register(FunctionRegistry r)
    {
        Unary(r, "upper", s => s.ToUpperInvariant());
        Unary(r, "lower", s => s.ToLowerInvariant());
        Unary(r, "length", s => s.Length);
        Unary(r, "trim", s => s.Trim());
        r.Add("toChars", 0, (call, input) => Input(call, input) is { } s ? s.Select(c => (object)c.ToString()).ToList() : Items.Empty);
        Binary(r, "indexOf", (s, a) => s.IndexOf(a, StringComparison.Ordinal));
        Binary(r, "startsWith", (s, a) => Box(s.StartsWith(a, StringComparison.Ordinal)));
        Binary(r, "endsWith", (s, a) => Box(s.EndsWith(a, StringComparison.Ordinal)));
        Binary(r, "contains", (s, a) => Box(s.Contains(a, StringComparison.Ordinal)));
        Binary(r, "matches", (s, a) => Box(Regex.IsMatch(s, a, RegexOptions.Singleline, RegexTimeout)));
        Binary(r, "matchesFull", (s, a) => Box(Regex.IsMatch(s, "^(?:" + a + ")$", RegexOptions.Singleline, RegexTimeout)));
        Binary(r, "encode", Encode);
        Binary(r, "decode", Decode);
        Binary(r, "escape", (s, a) => a switch
        {
            "html" => System.Net.WebUtility.HtmlEncode(s),
            "json" => System.Text.Json.JsonEncodedText.Encode(s, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
            _ => null,
        });
        Binary(r, "unescape", (s, a) => a switch
        {
            "html" => System.Net.WebUtility.HtmlDecode(s),
            "json" => UnescapeJson(s),
            _ => null,
        });
        r.Add("substring", 1, 2, (call, input) =>
        {
            var s = Input(call, input);
            var start = Items.SingleInteger(call.Arg(0), "substring");
            if (s is null || start is null || start < 0 || start >= s.Length) return Items.Empty;
            if (call.Count == 1) return [s[start.Value..]];
            var length = Items.SingleInteger(call.Arg(1), "substring");
            if (length is null) return [s[start.Value..]];
            return [s.Substring(start.Value, Math.Clamp(length.Value, 0, s.Length - start.Value))];
        });
        r.Add("replace", 2, (call, input) =>
        {
            var s = Input(call, input);
            var pattern = Items.SingleString(call.Arg(0), "replace");
            var substitution = Items.SingleString(call.Arg(1), "replace");
            if (s is null || pattern is null || substitution is null) return Items.Empty;
            // An empty pattern inserts the substitution around every character (N1 §5.6.7).
            return [pattern.Length == 0 ? substitution + string.Join(substitution, s.Select(c => c.ToString())) + substitution : s.Replace(pattern, substitution, StringComparison.Ordinal)];
        });
        r.Add("replaceMatches", 2, (call, input) =>
        {
            var s = Input(call, input);
            var regex = Items.SingleString(call.Arg(0), "replaceMatches");
            var substitution = Items.SingleString(call.Arg(1), "replaceMatches");
            if (s is null || regex is null || substitution is null) return Items.Empty;
            return [regex.Length == 0 ? s : Regex.Replace(s, regex, substitution, RegexOptions.Singleline, RegexTimeout)];
        });
        r.Add("split", 1, (call, input) =>
        {
            var s = Input(call, input);
            var separator = Items.SingleString(call.Arg(0), "split");
            if (s is null || separator is null) return Items.Empty;
            return s.Split(separator).Select(x => (object)x).ToList();
        });
        r.Add("join", 0, 1, (call, input) =>
        {
            var separator = call.Count > 0 ? Items.SingleString(call.Arg(0), "join") ?? "" : "";
            return [string.Join(separator, input.Select(i => Values.SystemValues.ToSystem(i) as string
                ?? throw FhirPathException.Execution("join() expects Strings")))];
        });
    }

    private static readonly object True = true;
    private static readonly object False = false;

    // The Boolean results without a box per call.
    private static object Box(bool value) => value ? True : False;

    private static string? Input(Call call, IReadOnlyList<object> input) => Items.SingleString(input, call.Name);

    private static void Unary(FunctionRegistry r, string name, Func<string, object> body) =>
        r.Add(name, 0, (call, input) => Input(call, input) is { } s ? [body(s)] : Items.Empty);

    private static void Binary(FunctionRegistry r, string name, Func<string, string, object?> body) =>
        r.Add(name, 1, (call, input) =>
        {
            var s = Input(call, input);
            if (s is null) return Items.Empty;
            var a = Items.SingleString(call.Arg(0), name);
            return a is null ? Items.Empty : Items.Of(body(s, a));
        });

    // JSON string escapes (RFC 8259 §7) without the surrounding quotes.
    private static string UnescapeJson(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length)
            {
                sb.Append(s[i]);
                continue;
            }
            var e = s[++i];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when i + 4 < s.Length && int.TryParse(s.AsSpan(i + 1, 4), System.Globalization.NumberStyles.HexNumber, null, out var code):
                    sb.Append((char)code);
                    i += 4;
                    break;
                default: sb.Append(e); break;
            }
        }
        return sb.ToString();
    }

    private static object? Encode(string s, string format)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return format switch
        {
            "base64" => Convert.ToBase64String(bytes),
            "urlbase64" => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_'),
            "hex" => Convert.ToHexStringLower(bytes),
            _ => null,
        };
    }

    private static object? Decode(string s, string format)
    {
        try
        {
            var bytes = format switch
            {
                "base64" => Convert.FromBase64String(s),
                "urlbase64" => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/')),
                "hex" => Convert.FromHexString(s),
                _ => null,
            };
            return bytes is null ? null : Encoding.UTF8.GetString(bytes);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
