namespace FhirServer.Profiles.Validation.References;

/// <summary>The forms a literal reference (<c>Reference.reference</c>) takes (R4 references.html §2.3.0.2).</summary>
public enum ReferenceForm
{
    /// <summary><c>#id</c>, or <c>#</c> alone: a contained resource, or the container.</summary>
    Local,
    /// <summary><c>[type]/[id]</c> or <c>[type]/[id]/_history/[vid]</c>, relative to the server's base (or the Bundle entry's fullUrl).</summary>
    Relative,
    /// <summary><c>http(s)://…/[type]/[id]</c>: a resource on a FHIR server.</summary>
    RestfulUrl,
    /// <summary><c>urn:uuid:…</c> or <c>urn:oid:…</c>: a resource in the same Bundle.</summary>
    Urn,
    /// <summary>Any other absolute URI (a non-FHIR URL, another scheme).</summary>
    OtherAbsolute,
    /// <summary><c>[type]?[query]</c>: a conditional reference, resolved by the server while it processes a transaction (R4 http.html §3.1.0.11.2).</summary>
    Conditional,
    /// <summary>Something that is none of the above.</summary>
    Invalid,
}

/// <summary>
/// A literal reference taken apart: its form, and for the forms that name one, the resource type and id. What the
/// type segment must be (a resource type) is the caller's question.
/// </summary>
public readonly record struct LiteralReference(string Text, ReferenceForm Form, string? Type, string? Id, string? Version)
{
    /// <summary>The reference without its <c>/_history/[vid]</c> part.</summary>
    public string WithoutHistory => Version is null ? Text : Text[..Text.IndexOf("/_history/", StringComparison.Ordinal)];

    public static LiteralReference Parse(string text)
    {
        if (text.Length == 0 || text.AsSpan().ContainsAny(" \t\r\n")) return new(text, ReferenceForm.Invalid, null, null, null);
        if (text[0] == '#') return new(text, ReferenceForm.Local, null, text.Length > 1 ? text[1..] : null, null);
        if (text.StartsWith("urn:uuid:", StringComparison.Ordinal) || text.StartsWith("urn:oid:", StringComparison.Ordinal))
            return new(text, ReferenceForm.Urn, null, null, null);
        var colon = text.IndexOf(':');
        var slash = text.IndexOf('/');
        var question = text.IndexOf('?');
        if (colon > 0 && (slash < 0 || colon < slash) && (question < 0 || colon < question))
        {
            if (text.StartsWith("http://", StringComparison.Ordinal) || text.StartsWith("https://", StringComparison.Ordinal))
            {
                var start = text.IndexOf('/', text.IndexOf("//", StringComparison.Ordinal) + 2);
                if (start > 0 && Tail(text, start + 1) is var (type, id, version) && LooksLikeTypeName(type)) return new(text, ReferenceForm.RestfulUrl, type, id, version);
            }
            return new(text, ReferenceForm.OtherAbsolute, null, null, null);
        }
        if (question > 0 && (slash < 0 || question < slash)) return new(text, ReferenceForm.Conditional, text[..question], null, null);
        // A relative reference is the whole of [type]/[id](/_history/[vid]): nothing before the type.
        if (Tail(text, 0) is var (t, i, v) && (v is null ? t.Length + 1 + i.Length : t.Length + i.Length + v.Length + 11) == text.Length)
            return new(text, ReferenceForm.Relative, t, i, v);
        return new(text, ReferenceForm.Invalid, null, null, null);
    }

    /// <summary>Whether <paramref name="type"/> has the form of a resource type name (R4: an upper-case letter, then letters).</summary>
    public static bool LooksLikeTypeName(ReadOnlySpan<char> type)
    {
        if (type.Length == 0 || !char.IsAsciiLetterUpper(type[0])) return false;
        foreach (var c in type)
            if (!char.IsAsciiLetter(c)) return false;
        return true;
    }

    // The last [type]/[id] or [type]/[id]/_history/[vid] of a path from `start`; null when the path does not end so.
    // Read from the end with LastIndexOf: references are on most resources, so nothing is split into arrays.
    private static (string Type, string Id, string? Version)? Tail(string text, int start)
    {
        var path = text.AsSpan(start);
        var last = path.LastIndexOf('/');
        if (last <= 0) return null;
        string? version = null;
        if (path[..last].EndsWith("/_history"))
        {
            version = path[(last + 1)..].ToString();
            path = path[..(last - "/_history".Length)];
            last = path.LastIndexOf('/');
            if (last <= 0 || !IsId(version)) return null;
        }
        var id = path[(last + 1)..];
        var typeStart = path[..last].LastIndexOf('/') + 1;
        var type = path[typeStart..last];
        if (!IsId(id) || type.IsEmpty || type is "_history") return null;
        return (type.ToString(), id.ToString(), version);
    }

    // R4 id: [A-Za-z0-9\-\.]{1,64}
    private static bool IsId(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 64) return false;
        foreach (var c in s)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.')) return false;
        return true;
    }
}
