using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>The message for a code system the server does not know, naming the versions it does know.</summary>
public static class UnknownSystem
{
    public const string ToValidate = "the code cannot be validated";
    public const string ToExpand = "the value set cannot be expanded";

    /// <summary>The message; <paramref name="consequence"/> says what could not be done (<see cref="ToValidate"/>, <see cref="ToExpand"/>).</summary>
    public static string Message(RequestSources sources, string system, string? version, string consequence = ToValidate)
    {
        if (version is null) return $"A definition for CodeSystem '{system}' could not be found, so {consequence}";
        var known = sources.KnownVersions(system);
        return known.Count == 0
            ? $"A definition for CodeSystem '{system}' version '{version}' could not be found, so {consequence}. No versions of this code system are known"
            : $"A definition for CodeSystem '{system}' version '{version}' could not be found, so {consequence}. Valid versions: {string.Join(" or ", known)}";
    }
}
