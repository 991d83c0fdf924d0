using System.Text.Json;

namespace FhirServer.Cli;

/// <summary>
/// The deterministic synthetic Patients of the peers' <c>gen-patients.js</c> (../shared/peers), byte for byte, so that
/// a benchmark can run without node and still measure the same resources as the peers do.
/// </summary>
internal static class SyntheticPatients
{
    private static readonly string[] Families =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    ];

    private static readonly string[] Givens =
    [
        "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth", "David", "Barbara",
    ];

    /// <summary>One JSON document per line, as <c>node gen-patients.js n out.ndjson</c> writes them.</summary>
    public static void WriteNdjson(int count, string path)
    {
        using var stream = File.Create(path);
        var newline = "\n"u8.ToArray();
        var random = new Lcg();
        for (var i = 0; i < count; i++)
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                Write(writer, i, random);
            stream.Write(newline);
        }
    }

    private static void Write(Utf8JsonWriter w, int i, Lcg random)
    {
        var family = Families[i % Families.Length] + (i % 4 == 0 ? "x" + i : "");
        w.WriteStartObject();
        w.WriteString("resourceType", "Patient");
        w.WriteBoolean("active", i % 10 != 0);
        w.WriteStartArray("identifier");
        w.WriteStartObject();
        w.WriteString("system", "http://example.org/mrn");
        w.WriteString("value", "MRN" + i);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("name");
        w.WriteStartObject();
        w.WriteString("use", "official");
        w.WriteString("family", family);
        w.WriteStartArray("given");
        w.WriteStringValue(Givens[i % Givens.Length]);
        w.WriteStringValue(Givens[i * 7 % Givens.Length]);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("gender", i % 2 != 0 ? "female" : "male");
        var year = 1930 + (int)Math.Floor(random.Next() * 90);
        w.WriteString("birthDate", $"{year}-{1 + i % 12:D2}-{1 + i % 28:D2}");
        w.WriteStartArray("address");
        w.WriteStartObject();
        w.WriteString("city", "City" + (i % 50));
        w.WriteString("postalCode", (10000 + i % 900).ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("country", "US");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("telecom");
        w.WriteStartObject();
        w.WriteString("system", "phone");
        w.WriteString("value", "555-" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    // gen-patients.js: s = (s * 1103515245 + 12345) & 0x7fffffff in JavaScript numbers, i.e. a double product
    // (rounded above 2^53) taken modulo 2^32 by the bitwise and.
    private sealed class Lcg
    {
        private long _s = 42;

        public double Next()
        {
            var product = _s * 1103515245.0 + 12345.0;
            _s = (long)product & 0x7fffffff;
            return _s / (double)0x7fffffff;
        }
    }
}
