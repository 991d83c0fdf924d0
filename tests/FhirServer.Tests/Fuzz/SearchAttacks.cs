using System.Text;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Hostile search query strings: unknown parameters and modifiers, empty modifiers, wrong prefixes and values, deep
/// chains and <c>_has</c>, <c>_include(:iterate)</c>, <c>_sort</c> on every kind of parameter, thousands of OR values,
/// odd <c>_count</c>, <c>_total</c>, <c>_summary</c>, <c>_elements</c>, and cursors forged from real next links.
/// </summary>
public sealed class SearchAttacks(Random random)
{
    /// <summary>Parameters of R4 by kind, on the types the examples have, so that sorts and chains meet real rows.</summary>
    private static readonly (string Type, string Name, string Kind)[] Parameters =
    [
        ("Patient", "name", "string"), ("Patient", "family", "string"), ("Patient", "address", "string"), ("Organization", "name", "string"),
        ("Patient", "identifier", "token"), ("Patient", "gender", "token"), ("Observation", "code", "token"), ("Observation", "status", "token"),
        ("Patient", "birthdate", "date"), ("Observation", "date", "date"), ("Encounter", "date", "date"), ("Patient", "_lastUpdated", "date"),
        ("Observation", "subject", "reference"), ("Observation", "patient", "reference"), ("Patient", "organization", "reference"),
        ("Patient", "general-practitioner", "reference"), ("Coverage", "subscriber", "reference"), ("Encounter", "subject", "reference"),
        ("Observation", "value-quantity", "quantity"), ("RiskAssessment", "probability", "number"), ("MolecularSequence", "variant-start", "number"),
        ("Library", "url", "uri"), ("ValueSet", "url", "uri"), ("Observation", "code-value-quantity", "composite"), ("Location", "near", "special"),
        ("Patient", "_id", "token"), ("Patient", "_text", "special"), ("Patient", "_content", "special"), ("Observation", "_profile", "uri"),
        ("Patient", "_tag", "token"), ("Patient", "phonetic", "string"), ("Practitioner", "name", "string"), ("DocumentReference", "patient", "reference"),
    ];

    private static readonly string[] Modifiers =
        ["missing", "exact", "contains", "text", "not", "above", "below", "in", "not-in", "of-type", "identifier", "Patient", "Unknown", "iterate", "type", "code-text", "text-advanced", "", ":", "missing:exact"];

    private static readonly string[] Values =
    [
        "", "x", "%ZZ", "%00", "%", "a%2Cb", "\\,", "\\", "\\\\", "gt", "ge2020-13-01", "sa", "ap2020", "eb-1", "lt1e400", "gt-0", "ne", "5||", "5.4|http://unitsofmeasure.org|mg",
        "|", "||", "a|b|c", "http://loinc.org|", "|8867-4", "Patient/", "Patient/x/_history/1", "http://other.example/fhir/Patient/1", "true", "maybe",
        "2020-02-30", "2020-01-01T25:00", "9999-12-31T23:59:59.9999999+14:00", "0001-01-01", "-1", "NaN", "Infinity", "1e308", "0.0000000000000000000001",
        "$1", "'; DROP TABLE resource; --", "%27%22%3B", "%F0%9F%98%80", "%C0%80", "%ED%A0%80", "%FF%FE", "é", "*", "ma*", "_", "%25",
        "1$2$3", "8867-4$gt5", "42.0|urn:x|", "10|", "40.0:-80.0", "40.0|-80.0|10|km", "1|2|3|4|5",
    ];

    private string Value() => Values[random.Next(Values.Length)];

    private (string Type, string Name, string Kind) Parameter() => Parameters[random.Next(Parameters.Length)];

    /// <summary>A search of one to five hostile clauses, as a relative URL (type, system or compartment level).</summary>
    public string Search(IReadOnlyList<(string Type, string Id)> known)
    {
        var (type, _, _) = Parameter();
        var clauses = new List<string>();
        for (var i = 0; i < 1 + random.Next(5); i++) clauses.Add(Clause(type));
        var query = string.Join('&', clauses);
        return random.Next(10) switch
        {
            0 => "/?" + (random.Next(2) == 0 ? "_type=" + string.Join(',', new[] { "Patient", "Observation", "Unknown", "", "Resource" }.Take(1 + random.Next(5))) + "&" : "") + query,
            1 when known.Count > 0 => $"/Patient/{known[random.Next(known.Count)].Id}/{type}?{query}",
            2 => $"/{new[] { "Patient", "Encounter", "Device", "Practitioner", "RelatedPerson", "Observation", "Unknown" }[random.Next(7)]}/{Id(known)}/{type}?{query}",
            _ => $"/{type}?{query}",
        };
    }

    private string Id(IReadOnlyList<(string Type, string Id)> known) =>
        known.Count > 0 && random.Next(3) > 0 ? known[random.Next(known.Count)].Id : new[] { "x", "-", ".", "..", "%2F", "a".PadRight(65, 'a'), "$everything" }[random.Next(7)];

    private string Clause(string type)
    {
        var (_, name, _) = Parameter();
        return random.Next(14) switch
        {
            0 => $"{name}:{Modifiers[random.Next(Modifiers.Length)]}={Value()}",
            1 => $"{Chain(1 + random.Next(random.Next(2) == 0 ? 4 : 40))}={Value()}",
            2 => $"{Has(1 + random.Next(random.Next(2) == 0 ? 3 : 30))}={Value()}",
            3 => $"_include{(random.Next(2) == 0 ? ":iterate" : "")}={new[] { "*", $"{type}:subject", $"{type}:*", "Observation:subject:Patient", "Foo:bar", ":", "Patient:general-practitioner", "Observation:has-member", "" }[random.Next(9)]}",
            4 => $"_revinclude{(random.Next(2) == 0 ? ":iterate" : "")}={new[] { "*", "Observation:subject", "Provenance:target", "Foo:bar", "Observation:*", ":::" }[random.Next(6)]}",
            5 => $"_count={new[] { "0", "-1", "99999999999", "1e3", "abc", "1000000", "2147483647", "2147483648", "", "1.5", " 1" }[random.Next(11)]}",
            6 => $"_total={new[] { "none", "estimate", "accurate", "foo", "", "ACCURATE" }[random.Next(6)]}",
            7 => $"_summary={new[] { "true", "false", "text", "data", "count", "foo", "", "true,count" }[random.Next(8)]}",
            8 => $"_elements={new[] { "", "id,name", "a.b.c", "*", "name,name,name", "resourceType", "meta", "-name", ",,,", string.Join(',', Enumerable.Range(0, 500).Select(i => "e" + i)) }[random.Next(10)]}",
            9 => $"{new[] { "unknown", "_query", "_filter", "_list", "_has", "_has:", "_has:Observation", "_containedType", "_contained", "_format", "_pretty", "_id", "_lastUpdated", "_security", "", "=" }[random.Next(16)]}={Value()}",
            10 => $"{name}={string.Join(',', Enumerable.Range(0, 2 + random.Next(20)).Select(_ => Value()))}",
            11 => $"{name}={new string('x', 1 + random.Next(20_000))}",
            12 => $"{name}:{new string(':', random.Next(5))}{Value()}={Value()}",
            _ => $"{name}={Value()}",
        };
    }

    private string Chain(int depth)
    {
        string[] links = ["subject", "patient", "organization", "partof", "general-practitioner", "encounter", "subject:Patient", "managingOrganization", "x"];
        var chain = new StringBuilder(links[random.Next(3)]);
        for (var i = 1; i < depth; i++) chain.Append('.').Append(links[random.Next(links.Length)]);
        return chain.Append('.').Append(new[] { "name", "identifier", "_id", "birthdate", "unknown" }[random.Next(5)]).ToString();
    }

    private string Has(int depth)
    {
        var has = new StringBuilder();
        for (var i = 0; i < depth; i++)
            has.Append("_has:").Append(new[] { "Observation", "Encounter", "Patient", "Foo", "" }[random.Next(5)]).Append(':').Append(new[] { "subject", "patient", "link", "x" }[random.Next(4)]).Append(':');
        return has.Append(new[] { "code", "name", "_id", "status" }[random.Next(4)]).ToString();
    }

    /// <summary>A search with hundreds to thousands of OR values, or as many repetitions of one parameter.</summary>
    public string ManyValues()
    {
        var (type, name, _) = Parameter();
        var count = new[] { 200, 500, 1_000, 2_000, 3_000 }[random.Next(5)];
        var values = Enumerable.Range(0, count).Select(i => random.Next(2) == 0 ? $"v{i}" : Value());
        return random.Next(3) == 0
            ? $"/{type}?" + string.Join('&', values.Take(count / 4).Select(v => $"{name}={v}"))
            : $"/{type}?{name}=" + string.Join(',', values);
    }

    /// <summary>A clause with an empty modifier (<c>name:=x</c>).</summary>
    public string EmptyModifier()
    {
        var (type, name, _) = Parameter();
        return $"/{type}?{name}:={Value()}" + (random.Next(2) == 0 ? $"&{Clause(type)}" : "");
    }

    /// <summary><c>_sort</c> on one to three parameters of every kind, ascending or descending, with odd spellings.</summary>
    public string Sort()
    {
        var (type, _, _) = Parameter();
        var keys = Enumerable.Range(0, 1 + random.Next(3)).Select(_ =>
        {
            var candidates = Parameters.Where(p => p.Type == type).ToList();
            var name = random.Next(8) == 0 ? new[] { "-", "", "unknown", "--name", "_id", "_lastUpdated", "name:exact", "_score" }[random.Next(8)] : candidates[random.Next(candidates.Count)].Name;
            return (random.Next(2) == 0 ? "-" : "") + name;
        });
        return $"/{type}?_sort={string.Join(',', keys)}&_count={new[] { "1", "10", "100", "1000" }[random.Next(4)]}" + (random.Next(3) == 0 ? $"&{Clause(type)}" : "");
    }

    /// <summary>A next link with its cursor mutated, moved to another search, or forged.</summary>
    public string Cursor(IReadOnlyList<string> nextLinks)
    {
        if (nextLinks.Count == 0 || random.Next(4) == 0) return $"/{Parameter().Type}?_cursor={Uri.EscapeDataString(Forged())}";
        var link = nextLinks[random.Next(nextLinks.Count)];
        var at = link.IndexOf("_cursor=", StringComparison.Ordinal);
        if (at < 0) return link;
        var start = at + "_cursor=".Length;
        var end = link.IndexOf('&', start) is var e and >= 0 ? e : link.Length;
        var cursor = Uri.UnescapeDataString(link[start..end]);
        var mutated = random.Next(6) switch
        {
            0 => cursor.Length > 0 ? cursor.Remove(random.Next(cursor.Length), 1).Insert(random.Next(cursor.Length), ((char)random.Next(33, 127)).ToString()) : "x",
            1 => cursor[..random.Next(cursor.Length + 1)],
            2 => cursor + new string('A', random.Next(1, 4_000)),
            3 => Forged(),
            4 => Reencoded(cursor),
            _ => cursor,
        };
        var rest = link[..start] + Uri.EscapeDataString(mutated) + link[end..];
        // Another search, the same cursor: other sort keys, another type.
        if (random.Next(4) == 0) rest = rest.Replace("_sort=", "_sort=-", StringComparison.Ordinal) + "&_sort=birthdate";
        return rest;
    }

    // Cursors as the server writes them (base64url of a JSON array), with what they carry changed.
    private string Forged()
    {
        string[] payloads =
        [
            "[]", "[\"n\"]", "[\"n\",\"x\"]", "[\"p\",null,null,null,null,null]", "[\"n\",1e400,\"x\"]", "[\"n\",{},\"x\"]", "[\"n\",[[[[]]]],\"x\"]",
            "[\"n\",\"" + new string('z', 10_000) + "\",\"x\"]", "[\"n\",-9223372036854775809,\"x\"]", "[\"q\",\"x\"]", "{\"a\":1}", "\"n\"", "null",
            "[\"n\",\"'; DROP TABLE resource; --\"]", "[\"n\",\"\\u0000\"]", "[\"n\"," + string.Join(',', Enumerable.Repeat("1", 1_000)) + "]",
        ];
        var payload = payloads[random.Next(payloads.Length)];
        return random.Next(5) switch
        {
            0 => payload,
            1 => "-1",
            2 => "99999999999999999999",
            _ => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)),
        };
    }

    private string Reencoded(string cursor)
    {
        try
        {
            var json = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
            var changed = random.Next(4) switch
            {
                0 => json.Replace("\"n\"", "\"p\""),
                1 => json.Replace("]", ",\"extra\"]"),
                2 => json.Replace("\"", "\"\\u0000"),
                _ => json.Replace(",", ",[],"),
            };
            return System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(changed));
        }
        catch (FormatException)
        {
            return cursor + "=";
        }
    }
}
