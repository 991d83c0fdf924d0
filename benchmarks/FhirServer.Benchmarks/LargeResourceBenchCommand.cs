using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench large &lt;base&gt;</c>: the time to create one resource of many repeats of an element — a Patient with n
/// <c>identifier</c>s or n <c>name</c>s, an Observation with n <c>component</c>s, a List with n entries — in JSON and
/// XML, for n = 1,000, 10,000 and 50,000. The work of a write (parse, index rows, their inserts) should grow with n,
/// not with n²; a resource past the server's element limit (Server:MaxResourceElements) is answered 413, shown as such.
/// </summary>
internal static class LargeResourceBenchCommand
{
    private static readonly int[] DefaultRepeats = [1_000, 10_000, 50_000];

    private sealed record Shape(string Name, string Type, int ElementsPerRepeat, Func<int, string> Json, Func<int, string> Xml);

    private static readonly Shape[] Shapes =
    [
        new("Patient.identifier", "Patient", 3,
            i => $$"""{"system":"http://example.org/bench","value":"v{{i}}"}""",
            i => $"""<identifier><system value="http://example.org/bench"/><value value="v{i}"/></identifier>"""),
        new("Patient.name", "Patient", 3,
            i => $$"""{"family":"Family{{i}}","given":["Given{{i}}"]}""",
            i => $"""<name><family value="Family{i}"/><given value="Given{i}"/></name>"""),
        new("Observation.component", "Observation", 10,
            i => $$$"""{"code":{"coding":[{"system":"http://loinc.org","code":"c{{{i}}}"}]},"valueQuantity":{"value":{{{i}}},"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}""",
            i => $"""<component><code><coding><system value="http://loinc.org"/><code value="c{i}"/></coding></code><valueQuantity><value value="{i}"/><unit value="mg"/><system value="http://unitsofmeasure.org"/><code value="mg"/></valueQuantity></component>"""),
        new("List.entry", "List", 3,
            i => $$$"""{"item":{"reference":"Patient/p{{{i}}}"}}""",
            i => $"""<entry><item><reference value="Patient/p{i}"/></item></entry>"""),
    ];

    public static Command Create()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL, e.g. http://127.0.0.1:8080" };
        var repeats = new Option<int[]>("--repeats") { Description = "Repeat counts (default 1000 10000 50000)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("large", "Create time of resources with 1k/10k/50k repeats of an element, JSON and XML") { baseUrl, repeats };
        command.SetAction(async (result, ct) =>
        {
            var counts = result.GetValue(repeats) is { Length: > 0 } given ? given : DefaultRepeats;
            using var http = RestBenchCommand.Client(result.GetValue(baseUrl)!, 1);
            // One small create of each kind first, so that the figures leave out the first compile of each type's plans.
            foreach (var shape in Shapes)
            {
                await Post(http, shape.Type, Json(shape, 10), "application/fhir+json", ct);
                await Post(http, shape.Type, Xml(shape, 10), "application/fhir+xml", ct);
            }
            Console.WriteLine($"{"resource",-22} {"repeats",8} {"elements",9} {"format",6} {"MB",6} {"status",6} {"ms",8}");
            foreach (var shape in Shapes)
            {
                foreach (var n in counts)
                {
                    foreach (var (format, body, mediaType) in new[] { ("json", Json(shape, n), "application/fhir+json"), ("xml", Xml(shape, n), "application/fhir+xml") })
                    {
                        var (status, elapsed) = await Post(http, shape.Type, body, mediaType, ct);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{shape.Name,-22} {n,8:N0} {n * shape.ElementsPerRepeat,9:N0} {format,6} {body.Length / 1048576.0,6:F1} {status,6} {elapsed.TotalMilliseconds,8:F0}"));
                    }
                }
            }
            return 0;
        });
        return command;
    }

    private static async Task<(int Status, TimeSpan Elapsed)> Post(HttpClient http, string type, byte[] body, string mediaType, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        var sw = Stopwatch.StartNew();
        using var response = await http.PostAsync(type, content, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        return ((int)response.StatusCode, sw.Elapsed);
    }

    private static byte[] Json(Shape shape, int n)
    {
        var text = new StringBuilder($$"""{"resourceType":"{{shape.Type}}",""");
        var member = shape.Name[(shape.Name.IndexOf('.') + 1)..];
        text.Append(shape.Type switch
        {
            "Observation" => "\"status\":\"final\",\"code\":{\"text\":\"bench\"},",
            "List" => "\"status\":\"current\",\"mode\":\"working\",",
            _ => "",
        });
        text.Append('"').Append(member).Append("\":[");
        for (var i = 0; i < n; i++) text.Append(i == 0 ? "" : ",").Append(shape.Json(i));
        return Encoding.UTF8.GetBytes(text.Append("]}").ToString());
    }

    private static byte[] Xml(Shape shape, int n)
    {
        var text = new StringBuilder($"""<{shape.Type} xmlns="http://hl7.org/fhir">""");
        text.Append(shape.Type switch
        {
            "Observation" => """<status value="final"/><code><text value="bench"/></code>""",
            "List" => """<status value="current"/><mode value="working"/>""",
            _ => "",
        });
        for (var i = 0; i < n; i++) text.Append(shape.Xml(i));
        return Encoding.UTF8.GetBytes(text.Append($"</{shape.Type}>").ToString());
    }
}
