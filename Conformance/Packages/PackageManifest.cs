using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// The parts of package/package.json the server uses (https://hl7.org/fhir/packages.html#2.1.10.4). Package files
// in the wild are hand-edited now and then, so wrong-typed members are ignored instead of failing the package.
internal sealed record PackageManifest(
    string? Name,
    string? Version,
    string? Canonical,
    IReadOnlyList<string> FhirVersions,
    IReadOnlyDictionary<string, string> Dependencies)
{
    public const string FileName = "package.json";

    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static PackageManifest Read(string path) => Parse(File.ReadAllBytes(path));

    public static PackageManifest Parse(ReadOnlyMemory<byte> json)
    {
        using var doc = JsonDocument.Parse(JsonBytes.WithoutBom(json), Options);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("package.json is not a JSON object.");

        var dependencies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("dependencies", out var deps) && deps.ValueKind == JsonValueKind.Object)
        {
            foreach (var d in deps.EnumerateObject())
                dependencies.TryAdd(d.Name, d.Value.ValueKind == JsonValueKind.String ? d.Value.GetString()! : "latest");
        }

        // "fhirVersions" is the current member; older packages carry "fhir-version-list" or a single "fhirVersion".
        var fhirVersions = Strings(root, "fhirVersions") ?? Strings(root, "fhir-version-list") ?? Strings(root, "fhirVersion") ?? [];
        return new PackageManifest(String(root, "name"), String(root, "version"), String(root, "canonical"), fhirVersions, dependencies);
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static List<string>? Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return [v.GetString()!];
        if (v.ValueKind != JsonValueKind.Array) return null;
        return [.. v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)];
    }
}
