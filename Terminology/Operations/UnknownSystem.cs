using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>The message for a code system the server does not know, naming the versions it does know.</summary>
public static class UnknownSystem
{
    public static string Message(RequestSources sources, string system, string? version)
    {
        if (version is null) return $"A definition for CodeSystem '{system}' could not be found, so the code cannot be validated";
        var known = sources.KnownVersions(system);
        return known.Count == 0
            ? $"A definition for CodeSystem '{system}' version '{version}' could not be found, so the code cannot be validated. No versions of this code system are known"
            : $"A definition for CodeSystem '{system}' version '{version}' could not be found, so the code cannot be validated. Valid versions: {string.Join(" or ", known)}";
    }
}
