using System.CommandLine;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Cli;

/// <summary>
/// <c>validate &lt;file&gt; [--load &lt;file&gt;]… [--package id#version]… [--profile &lt;file|url&gt;]</c>: validates a resource
/// as the server's <c>$validate</c> does (the configured packages, the French identifier rules) and prints the
/// OperationOutcome as JSON on stdout. Exit 0 when the validation ran, valid or not; 2 when it could not run.
/// </summary>
internal static class ValidateCommand
{
    private static readonly JsonWriterOptions Pretty = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The resource to validate (.json or .xml)" };
        var load = new Option<FileInfo[]>("--load")
        {
            Description = "A conformance resource to use (repeatable): a StructureDefinition as a profile, a CodeSystem or ValueSet as terminology",
            HelpName = "file",
        };
        var package = new Option<string[]>("--package")
        {
            Description = "A package to load beside the configured ones (repeatable), as id#version",
            HelpName = "id#version",
        };
        var profile = new Option<string?>("--profile")
        {
            Description = "Validate against this profile too: a canonical url, or a StructureDefinition file. An unknown url is an issue of the outcome (exit 0)",
            HelpName = "file|url",
        };
        var command = new Command("validate",
            "Validate a resource against its base definition, its meta.profile and --profile; prints the OperationOutcome as JSON. " +
            "Exit code 0 when the validation ran, whether the resource is valid or not (look at the issues' severities); " +
            "2 when it could not run (a file missing or unreadable, a package that cannot be loaded).")
        { file, load, package, profile };
        CliContext.AddPackageOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var loads = result.GetValue(load) ?? [];
            var packages = result.GetValue(package) ?? [];
            var profileArgument = result.GetValue(profile);
            var target = result.GetValue(file)!;
            foreach (var f in loads.Prepend(target).Concat(ProfileFile(profileArgument) is { } p ? [p] : []))
                if (!f.Exists) return Fail($"{f.FullName} does not exist");
            foreach (var p in packages)
                if (!PackageReference.TryParse(p, out var reference) || !reference!.IsWellFormed)
                    return Fail($"--package '{p}' is not a package reference: use id#version");

            var context = await CliContext.LoadAsync(result, packages);
            foreach (var p in packages)
                if (context.Resolution.Find(PackageReference.Parse(p).Name) is null) return Fail($"the package {p} could not be loaded");

            var stored = new StoredResources();
            var validator = ResourceValidator.Create(context.Registry, new ValueSetMembership(new TerminologySources(context, stored), new TerminologyOptions()),
                new ValidatorOptions { IdentifierRules = IdentifierRuleRegistry.CreateDefault() });
            foreach (var f in loads)
                if (Load(context, validator, stored, f, out _) is { } problem) return Fail(problem);
            var profiles = new List<string>();
            if (ProfileFile(profileArgument) is { } profileFile)
            {
                if (Load(context, validator, stored, profileFile, out var url) is { } problem) return Fail(problem);
                profiles.Add(url!);
            }
            else if (profileArgument is not null) profiles.Add(profileArgument);

            var parsed = CliContext.Parse(context, target.FullName);
            var issues = new List<OutcomeIssue>(parsed.Issues);
            if (parsed.Resource is { } resource) issues.AddRange(validator.Validate(resource, profiles, cancellation: ct).Issues);
            else if (!parsed.HasErrors) issues.Add(new OutcomeIssue(IssueSeverity.Error, "structure", "The file is not a FHIR resource."));
            if (issues.Count == 0) issues.Add(new OutcomeIssue(IssueSeverity.Information, "informational", "All OK"));
            await Console.Out.WriteLineAsync(Indented(OperationOutcomes.Json(issues)));
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"validate: {message}");
        return 2;
    }

    // --profile names a file when one exists by that name or it does not look like a url.
    private static FileInfo? ProfileFile(string? argument) =>
        argument is null || (argument.Contains("://", StringComparison.Ordinal) || argument.StartsWith("urn:", StringComparison.Ordinal)) && !File.Exists(argument)
            ? null
            : new FileInfo(argument);

    /// <summary>A --load file into the run's sources: the reason it cannot be, or null; and its url.</summary>
    private static string? Load(ConformanceContext context, ResourceValidator validator, StoredResources stored, FileInfo file, out string? url)
    {
        var parsed = CliContext.Parse(context, file.FullName);
        url = parsed.Resource?.Child("url")?.Value;
        if (parsed.Resource is not { } resource || parsed.HasErrors)
            return $"{file.Name} cannot be read: {parsed.Issues.FirstOrDefault(i => i.IsError)?.ToString() ?? "not a FHIR resource"}";
        switch (resource.Type)
        {
            case "StructureDefinition":
                using (var document = JsonDocument.Parse(FhirJsonWriter.WriteToBytes(resource)))
                {
                    var issues = validator.Profiles.Add(document.RootElement);
                    return issues.Count > 0 ? $"{file.Name} cannot be used as a profile: {issues[0]}" : null;
                }
            case var type when StoredResources.Types.Contains(type):
                // As the server's stored terminology: found by url for the rest of the run.
                stored.Committed(type, file.FullName, 1, resource);
                return null;
            default:
                return $"{file.Name} is a {resource.Type}: --load takes a StructureDefinition, CodeSystem, ValueSet or ConceptMap";
        }
    }

    private static string Indented(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Pretty)) document.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
