using System.Text;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Byte-level and XML attacks on a body: invalid UTF-8, byte order marks (UTF-8, UTF-16, UTF-32), NULs, truncation;
/// XML with a DOCTYPE, internal entities (expansion bombs), external entities and deep element nesting.
/// </summary>
public sealed class BodyAttacks(Random random)
{
    private static readonly byte[][] Boms = [[0xEF, 0xBB, 0xBF], [0xFE, 0xFF], [0xFF, 0xFE], [0x00, 0x00, 0xFE, 0xFF], [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF]];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xC0, 0x80], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x00],
    ];

    /// <summary>The body damaged at the byte level.</summary>
    public byte[] Damage(byte[] body)
    {
        switch (random.Next(6))
        {
            case 0:
                return [.. Boms[random.Next(Boms.Length)], .. body];
            case 1:
            {
                // Inside a string value if there is one, so that the parser meets it where text is decoded.
                var at = Array.IndexOf(body, (byte)'"', random.Next(Math.Max(1, body.Length)));
                at = at < 0 ? random.Next(body.Length + 1) : at + 1;
                return [.. body[..at], .. InvalidUtf8[random.Next(InvalidUtf8.Length)], .. body[at..]];
            }
            case 2:
                return body[..random.Next(body.Length + 1)];
            case 3:
                return Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body));
            case 4:
                return [.. body, .. Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "garbage" : "}{\"resourceType\":\"Patient\"}")];
            default:
            {
                var copy = (byte[])body.Clone();
                for (var i = 0; i < 1 + random.Next(8) && copy.Length > 0; i++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            }
        }
    }

    /// <summary>An XML resource body with a DTD: entity bombs, external entities, parameter entities.</summary>
    public string XmlWithDtd(string type)
    {
        var root = $"<{type} xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/><text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">&e;</div></text></{type}>";
        return random.Next(6) switch
        {
            0 => "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">" +
                 "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>" + root,
            1 => $"<?xml version=\"1.0\"?><!DOCTYPE {type} [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + root,
            2 => $"<?xml version=\"1.0\"?><!DOCTYPE {type} [<!ENTITY e SYSTEM \"http://127.0.0.1:1/x\">]>" + root,
            3 => $"<?xml version=\"1.0\"?><!DOCTYPE {type} [<!ENTITY % p SYSTEM \"file:///dev/random\"> %p; <!ENTITY e \"x\">]>" + root,
            4 => $"<?xml version=\"1.0\"?><!DOCTYPE {type} SYSTEM \"http://127.0.0.1:1/fhir.dtd\">" + root.Replace("&e;", "x"),
            _ => $"<?xml version=\"1.0\"?><!DOCTYPE {type} [<!ENTITY e \"{new string('x', 10_000)}\">]>" + root.Replace("&e;", string.Concat(Enumerable.Repeat("&e;", 1_000))),
        };
    }

    /// <summary>XML nested <paramref name="depth"/> deep: extensions, a narrative, or unknown elements.</summary>
    public string DeepXml(string type, int depth) => random.Next(3) switch
    {
        0 => $"<{type} xmlns=\"http://hl7.org/fhir\">" + string.Concat(Enumerable.Repeat("<extension url=\"http://example.org/e\">", depth)) +
             "<valueString value=\"x\"/>" + string.Concat(Enumerable.Repeat("</extension>", depth)) + $"</{type}>",
        1 => $"<{type} xmlns=\"http://hl7.org/fhir\"><text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">" +
             string.Concat(Enumerable.Repeat("<div>", depth)) + "x" + string.Concat(Enumerable.Repeat("</div>", depth)) + $"</div></text></{type}>",
        _ => $"<{type} xmlns=\"http://hl7.org/fhir\">" + string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)) + $"</{type}>",
    };

    /// <summary>An example XML resource with a small textual damage: unclosed tags, stray characters, foreign namespaces.</summary>
    public string MutateXml(string xml)
    {
        if (xml.Length == 0) return xml;
        var at = random.Next(xml.Length);
        string[] inserts = ["<", ">", "&", "&amp", "]]>", "<![CDATA[x]]>", "<?pi x?>", "<!-- -->", "<extension/>", "<value value=\"\"/>", "\u0000", "\"", "</Patient>", "xmlns=\"urn:x\""];
        return random.Next(4) switch
        {
            0 => xml[..at],
            1 => xml.Replace("http://hl7.org/fhir", random.Next(2) == 0 ? "http://hl7.org/fhir/x" : ""),
            _ => xml.Insert(at, inserts[random.Next(inserts.Length)]),
        };
    }
}
