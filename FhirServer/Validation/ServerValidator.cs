using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Profiles.Validation;

namespace FhirServer.Validation;

/// <summary>
/// The server's validation: one <see cref="ResourceValidator"/> (the loaded packages, the profiles stored on the server,
/// the server's terminology and the French identifier rules) for <c>$validate</c>, and the check every write passes
/// (<see cref="CheckWrite"/>, called once in <c>ResourceService.Check</c>), as <see cref="ValidationSettings.OnWrite"/> says.
/// The write check is a second <see cref="ResourceValidator"/> over the same compiled schemas, with the write mode's
/// options: the schemas are compiled once for both.
/// </summary>
public sealed class ServerValidator
{
    private readonly ResourceValidator? _onWrite;
    private readonly StoredProfiles _stored;

    public ServerValidator(ResourceValidator validator, ValidationSettings settings, StoredProfiles stored)
    {
        Validator = validator;
        Settings = settings;
        _stored = stored;
        _onWrite = settings.OnWrite switch
        {
            WriteValidation.Off => null,
            // base: the resource type's definition only, whatever meta.profile says.
            WriteValidation.Base => new ResourceValidator(validator.Schemas, validator.Options with { ApplyDeclaredProfiles = false }, validator.Terminology),
            WriteValidation.Declared => validator,
            _ => new ResourceValidator(validator.Schemas, validator.Options with { UnknownProfileSeverity = IssueSeverity.Error }, validator.Terminology),
        };
    }

    public ResourceValidator Validator { get; }
    public ValidationSettings Settings { get; }

    private long _writeValidations;

    /// <summary>How many resources <see cref="CheckWrite"/> has validated since the start (a posted Bundle counts one).</summary>
    public long WriteValidations => Interlocked.Read(ref _writeValidations);

    /// <summary>Validates against the base definition, the declared profiles and <paramref name="profiles"/> (<c>$validate</c>).</summary>
    public ValidationReport Validate(ElementNode resource, IReadOnlyList<string> profiles, CancellationToken ct)
    {
        _stored.WaitLoaded();
        return Validator.Validate(resource, profiles, cancellation: ct);
    }

    /// <summary>
    /// The validation of a resource about to be written: 422 with every issue when it has an error (nothing is then
    /// written); else the warnings and information found, which the client sees with <c>Prefer: return=OperationOutcome</c>.
    /// </summary>
    public IReadOnlyList<OutcomeIssue> CheckWrite(ElementNode resource)
    {
        if (_onWrite is null) return [];
        _stored.WaitLoaded();
        Interlocked.Increment(ref _writeValidations);
        var report = _onWrite.Validate(resource, Settings.RequiredFor(resource.Type));
        if (report.IsValid) return report.Issues;
        throw new FhirException(StatusCodes.Status422UnprocessableEntity, report.Issues);
    }
}
