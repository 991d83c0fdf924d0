using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>The resource-type-specific checks, looked up by resource type once per resource node.</summary>
public sealed class ResourceChecks
{
    private readonly Dictionary<string, IResourceCheck[]> _byType;
    private readonly IResourceCheck[] _any;

    public ResourceChecks(IEnumerable<IResourceCheck> checks)
    {
        var all = checks.ToList();
        _any = [.. all.Where(c => c.ResourceType is null)];
        _byType = all.Where(c => c.ResourceType is not null).GroupBy(c => c.ResourceType!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The checks every validator runs.</summary>
    public static ResourceChecks Default { get; } = new(
    [
        new CanonicalUrlCheck(),
        new ValueSetCheck(),
        new ValueSetComposeCheck(),
        new ConceptMapCheck(),
        new QuestionnaireCheck(),
        new CodeSystemCheck(),
        new CodeSystemPropertyCheck(),
        new SearchParameterCheck(),
        new ExperimentalContentCheck(),
        new PublicationWorkGroupCheck(),
        new StructureDefinitionCheck(),
    ]);

    public void Check(ElementNode resource, ValidationState state)
    {
        foreach (var check in _any) check.Check(resource, state);
        if (_byType.TryGetValue(resource.Type, out var checks))
            foreach (var check in checks) check.Check(resource, state);
    }

    /// <summary>An absolute URI starts with a scheme (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").</summary>
    internal static bool IsAbsolute(string uri)
    {
        if (uri.Length == 0 || !char.IsAsciiLetter(uri[0])) return false;
        foreach (var c in uri.AsSpan(1))
        {
            if (c == ':') return true;
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return false;
        }
        return false;
    }
}
