using System.Text.Json;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Smart;

/// <summary>
/// The patients a signed-in user may choose for <c>launch/patient</c> (SMART App Launch "Standalone launch"): a patient
/// user only their own Patient; a practitioner the Patients of the store, the first
/// <see cref="SmartSettings.PatientPickerLimit"/> by family name. Names as the picker and the consent page show them.
/// </summary>
public sealed class PatientDirectory(IResourceStore store, SqlSearch search, SearchQueryParser parser, ServerSettings server, SmartSettings settings)
{
    public sealed record Choice(string Id, string Label);

    /// <summary>The choices, and whether more patients exist than are listed.</summary>
    public async Task<(IReadOnlyList<Choice> Choices, bool More)> ChoicesAsync(SignedInUser user, string baseUrl, CancellationToken ct)
    {
        if (user.IsPatient)
            return (await LabelAsync(user.FhirUserId, ct) is { } own ? [new Choice(user.FhirUserId, own)] : [], false);
        var query = parser.Parse("Patient", [new("_sort", "family,given"), new("_count", settings.PatientPickerLimit.ToString())], strict: false);
        var page = await search.RunAsync(query, null, baseUrl, ct);
        var choices = page.Matches.Where(m => !m.Deleted).Select(m => new Choice(m.Id, Label(m))).ToList();
        return (choices, page.NextCursor is not null);
    }

    /// <summary>Whether this user may have this patient in context: their own, or (a practitioner) any existing Patient.</summary>
    public async Task<bool> AllowedAsync(SignedInUser user, string id, CancellationToken ct) =>
        user.IsPatient ? id == user.FhirUserId : Conformance.Serialization.PrimitiveRules.IsId(id) && await LabelAsync(id, ct) is not null;

    /// <summary>The patient's name and birth date; null when there is no such Patient.</summary>
    public async Task<string?> LabelAsync(string id, CancellationToken ct) =>
        await store.ReadAsync("Patient", id, ct) is { Deleted: false } version ? Label(version) : null;

    private string Label(StoredVersion version)
    {
        using var doc = JsonDocument.Parse(version.Body, server.StoredJsonOptions());
        var root = doc.RootElement;
        var name = "";
        if (root.TryGetProperty("name", out var names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() > 0)
        {
            var first = names[0];
            if (first.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String) name = text.GetString()!;
            else
            {
                var given = first.TryGetProperty("given", out var g) && g.ValueKind == JsonValueKind.Array
                    ? g.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()) : [];
                var family = first.TryGetProperty("family", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                name = string.Join(' ', given.Append(family).OfType<string>());
            }
        }
        if (name.Length == 0) name = "Patient/" + version.Id;
        return root.TryGetProperty("birthDate", out var birth) && birth.ValueKind == JsonValueKind.String ? $"{name} ({birth.GetString()})" : name;
    }
}
