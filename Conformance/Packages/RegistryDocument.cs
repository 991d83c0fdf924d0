using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// The members of an npm package document (GET {registry}/{name}) that installing needs.
internal sealed record RegistryDocument(IReadOnlyDictionary<string, RegistryDist> Versions, IReadOnlyDictionary<string, string> DistTags)
{
    public static RegistryDocument Parse(JsonElement root)
    {
        var versions = new Dictionary<string, RegistryDist>(StringComparer.Ordinal);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("The package document is not a JSON object.");
        if (root.TryGetProperty("versions", out var vs) && vs.ValueKind == JsonValueKind.Object)
        {
            foreach (var v in vs.EnumerateObject())
            {
                // Versions come back as folder names in the cache; anything that is not a plain name is dropped.
                if (!PackageFiles.IsSafeSegment(v.Name)) continue;
                var dist = v.Value.ValueKind == JsonValueKind.Object && v.Value.TryGetProperty("dist", out var d) && d.ValueKind == JsonValueKind.Object
                    ? new RegistryDist(String(d, "tarball"), String(d, "shasum"), String(d, "integrity"))
                    : new RegistryDist(null, null, null);
                versions[v.Name] = dist;
            }
        }
        if (root.TryGetProperty("dist-tags", out var dt) && dt.ValueKind == JsonValueKind.Object)
        {
            foreach (var t in dt.EnumerateObject())
                if (t.Value.ValueKind == JsonValueKind.String) tags[t.Name] = t.Value.GetString()!;
        }
        return new RegistryDocument(versions, tags);
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

internal sealed record RegistryDist(string? Tarball, string? Shasum, string? Integrity);
