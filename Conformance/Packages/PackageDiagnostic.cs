namespace FhirServer.Conformance.Packages;

// Severity uses the OperationOutcome.issue.severity codes so the server can surface these as-is.
public sealed record PackageDiagnostic(string Severity, string Message)
{
    public const string ErrorSeverity = "error";
    public const string WarningSeverity = "warning";
    public const string InformationSeverity = "information";

    public static PackageDiagnostic Error(string message) => new(ErrorSeverity, message);
    public static PackageDiagnostic Warning(string message) => new(WarningSeverity, message);
    public static PackageDiagnostic Information(string message) => new(InformationSeverity, message);

    /// <summary>The package (<c>name#version</c>) this warning says was found nowhere; null for other diagnostics.</summary>
    public string? MissingPackage { get; init; }

    /// <summary>The package source this warning says could not be reached; null for other diagnostics.</summary>
    public string? UnavailableSource { get; init; }

    public override string ToString() => $"{Severity}: {Message}";
}
