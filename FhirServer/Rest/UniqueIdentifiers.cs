using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;
using FhirServer.Http;
using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>
/// The rule of <c>Server:UniqueIdentifiers</c>: a resource's <c>identifier</c> of one of the configured systems (the
/// INS of a Patient by default) may be held by one resource of its type only. <see cref="ResourceService.Check"/> gives
/// every write the keys it would hold, the store keeps them under a unique key in the write's transaction
/// (<see cref="UniqueIdentifierIndex"/>), and a refusal there becomes a 409 here: one rule for REST, conditional
/// interactions and every Bundle entry, enforced by the database so that it holds across server processes.
/// </summary>
public sealed class UniqueIdentifiers(ServerSettings settings)
{
    private readonly HashSet<string> _systems = [.. settings.UniqueIdentifiers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The keys a resource would hold: one per <c>identifier</c> with a configured system and a value.</summary>
    public IEnumerable<IndexEntry> Of(ElementNode resource)
    {
        if (_systems.Count == 0) yield break;
        foreach (var identifier in resource.ChildrenNamed("identifier"))
            if (identifier.Child("system")?.Value is { } system && _systems.Contains(system) && identifier.Child("value")?.Value is { Length: > 0 } value)
                yield return new IndexEntry("identifier", SearchParamType.Token, new UniqueIdentifierIndex(system, value));
    }

    /// <summary>The 409 for a key another resource holds, located at the identifier of <paramref name="resource"/> that carries it.</summary>
    public static FhirException Conflict(DuplicateIdentifierException e, ElementNode? resource)
    {
        var index = resource?.ChildrenNamed("identifier").ToList().FindIndex(i => i.Child("system")?.Value == e.System && i.Child("value")?.Value is { } v
            && SearchTables.Indexed(v) == e.Value) ?? -1;
        return new FhirException(StatusCodes.Status409Conflict, "duplicate",
            $"{e.Type}/{e.HolderId} already has the identifier {e.System}|{e.Value}, which one {e.Type} only may have (Server:UniqueIdentifiers): " +
            $"use that {e.Type}, or correct the identifier.",
            index >= 0 ? $"{e.Type}.identifier[{index}]" : $"{e.Type}.identifier");
    }
}
