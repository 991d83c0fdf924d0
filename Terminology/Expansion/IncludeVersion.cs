namespace FhirServer.Terminology.Expansion;

/// <summary>
/// The version of a code system a compose include draws from, once the request's version parameters are applied
/// (R4 ValueSet-expand: force-system-version overrides the value set, system-version applies only where the value
/// set names no version; check-system-version, where the value set names none, stands for the version too).
/// <see cref="Parameter"/> names the parameter that gave the version, or is null when the include itself did.
/// </summary>
public sealed record IncludeVersion(string? Version, string? Declared, string? Parameter)
{
    public static IncludeVersion For(string system, string? declared, VersionParameters parameters)
    {
        if (parameters.Force(system) is { } forced) return new(forced, declared, "force-system-version");
        if (declared is not null) return new(declared, declared, null);
        if (parameters.Default(system) is { } fallback) return new(fallback, null, "system-version");
        if (parameters.Check(system) is { } check) return new(check, null, "check-system-version");
        return new(null, null, null);
    }

    /// <summary>The message when check-system-version refuses the version a value set resolved to.</summary>
    public static string CheckFailed(string system, string? used, string required) =>
        $"The version '{used}' is not allowed for system '{system}': required to be '{required}' by a version-check parameter";
}
