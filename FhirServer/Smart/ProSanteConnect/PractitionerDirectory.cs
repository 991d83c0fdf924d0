using System.Text.Json.Nodes;
using FhirServer.Profiles.Identifiers;
using FhirServer.Search;

namespace FhirServer.Smart.ProSanteConnect;

/// <summary>What looking a national practitioner id up in the store found.</summary>
public enum PractitionerMatchKind { Found, None, Several, Inactive }

/// <summary>The Practitioner found for an IdNatPS, when exactly one active one carries it.</summary>
public sealed record PractitionerMatch(PractitionerMatchKind Kind, string? Id = null, string? Name = null);

/// <summary>
/// Finds the Practitioner of the store that carries a practitioner's national id (IdNatPS, PSC's
/// <c>SubjectNameID</c>) in an identifier slice of FR Core / Annuaire Santé (<c>fr-core-practitioner</c>,
/// <c>as-practitioner</c>): <c>idNatPs</c> (system <c>urn:oid:1.2.250.1.71.4.2.1</c>, the IdNatPS as it is), and
/// <c>rpps</c> (system <c>https://rpps.esante.gouv.fr</c>) when the IdNatPS is <c>8</c> followed by an RPPS number,
/// for records that carry the RPPS number only.
/// </summary>
public sealed class PractitionerDirectory(ConditionalMatcher matcher)
{
    /// <summary>The identifiers (<c>system|value</c>) a Practitioner with this IdNatPS may carry.</summary>
    public static IReadOnlyList<string> Identifiers(string idNatPs)
    {
        var identifiers = new List<string> { $"{FrenchIdentifierRules.IdNatPs}|{idNatPs}" };
        // FR Core: IdNatPS = "8" + the 11-digit RPPS number ("0" + ADELI for the others, which have no rpps slice).
        if (idNatPs.StartsWith('8') && FrenchIdentifierRules.CheckIdNatPs(idNatPs) is null) identifiers.Add($"{FrenchIdentifierRules.Rpps}|{idNatPs[1..]}");
        return identifiers;
    }

    public async Task<PractitionerMatch> FindAsync(string idNatPs, string baseUrl, CancellationToken ct)
    {
        // Token search escapes: a comma separates alternatives, a bar system from value (R4 search.html#escaping).
        var escaped = Identifiers(idNatPs).Select(i => string.Join('|', i.Split('|', 2).Select(Escape)));
        var criteria = "identifier=" + Uri.EscapeDataString(string.Join(',', escaped));
        var matches = (await matcher.MatchAsync("Practitioner", criteria, baseUrl, ct)).Where(m => !m.Deleted).ToList();
        if (matches.Count == 0) return new PractitionerMatch(PractitionerMatchKind.None);
        if (matches.Count > 1) return new PractitionerMatch(PractitionerMatchKind.Several);
        var resource = JsonNode.Parse(matches[0].Body!)!.AsObject();
        // An inactive record (Practitioner.active = false) is one the directory no longer vouches for.
        if (resource["active"]?.GetValueKind() == System.Text.Json.JsonValueKind.False) return new PractitionerMatch(PractitionerMatchKind.Inactive, matches[0].Id);
        return new PractitionerMatch(PractitionerMatchKind.Found, matches[0].Id, DisplayName(resource));
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,").Replace("|", "\\|").Replace("$", "\\$");

    // The first name of the record, given names then family name.
    private static string? DisplayName(JsonObject practitioner)
    {
        if (practitioner["name"] is not JsonArray { Count: > 0 } names || names[0] is not JsonObject name) return null;
        if (name["text"]?.GetValue<string>() is { Length: > 0 } text) return text;
        var parts = (name["given"] as JsonArray ?? []).Select(g => g?.GetValue<string>()).Append(name["family"]?.GetValue<string>());
        return string.Join(' ', parts.Where(p => !string.IsNullOrEmpty(p))) is { Length: > 0 } joined ? joined : null;
    }
}
