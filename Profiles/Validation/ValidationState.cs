using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;
using FhirServer.Terminology.Membership;

namespace FhirServer.Profiles.Validation;

/// <summary>
/// What one validation carries while it walks a resource: the issues found so far, the options, the schemas, the
/// terminology and the FHIRPath context invariants run in. One per <see cref="ResourceValidator.Validate"/> call;
/// not shared between threads.
/// </summary>
public sealed class ValidationState
{
    private readonly List<OutcomeIssue> _issues = [];
    private readonly HashSet<(string Message, string? Expression)> _seen = [];
    private int _omitted;
    private int _steps;

    internal ValidationState(ResourceValidator validator, ElementNode root, FhirPathContext fhirPath, CancellationToken cancellation)
    {
        Validator = validator;
        Root = root;
        FhirPath = fhirPath;
        Cancellation = cancellation;
    }

    public ResourceValidator Validator { get; }
    public ValidatorOptions Options => Validator.Options;
    public SchemaCompiler Schemas => Validator.Schemas;
    public IValueSetMembership? Terminology => Validator.Terminology;
    /// <summary>The resource the validation was asked for (a Bundle, when entries are being validated).</summary>
    public ElementNode Root { get; }
    /// <summary>The context invariants are evaluated in: <c>%resource</c> and <c>%rootResource</c> follow the node.</summary>
    public FhirPathContext FhirPath { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Profile validations nested on the current path (type profiles, extensions, contained resources).</summary>
    internal int ProfileDepth { get; set; }

    /// <summary>The last invariant evaluated in this validation, for the next one with the same expression on the same node.</summary>
    internal (ElementNode? Node, string? Expression, bool? Result) LastInvariant;

    public IReadOnlyList<OutcomeIssue> Issues => _issues;

    public bool HasErrors { get; private set; }

    /// <summary>Reports an issue located on <paramref name="node"/> (its FHIRPath location, line and column).</summary>
    public void Report(IssueSeverity severity, string code, string message, ElementNode node) =>
        Add(new OutcomeIssue(severity, code, message, node.Location, node.Line, node.Column));

    /// <summary>Adds an issue; the same message at the same place is kept once (a resource checked against a profile and its base).</summary>
    public void Add(OutcomeIssue issue)
    {
        if (!_seen.Add((issue.Message, issue.Expression))) return;
        if (issue.IsError) HasErrors = true;
        if (_issues.Count >= Options.MaxIssues)
        {
            _omitted++;
            return;
        }
        _issues.Add(issue);
    }

    /// <summary>Called once per node visited: cancellation is looked at every so often, not on every node.</summary>
    internal void Step()
    {
        if ((++_steps & 1023) == 0) Cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Runs <paramref name="validate"/> and returns whether it found no error, taking its issues out of the report: for
    /// choices between alternatives (several type profiles, slice membership by profile), where only the outcome counts.
    /// </summary>
    public bool Try(Action<ValidationState> validate, out IReadOnlyList<OutcomeIssue> issues)
    {
        var probe = new ValidationState(Validator, Root, FhirPath, Cancellation) { ProfileDepth = ProfileDepth };
        validate(probe);
        issues = probe.Issues;
        return !probe.HasErrors;
    }

    internal ValidationReport ToReport()
    {
        if (_omitted > 0)
            _issues.Add(new OutcomeIssue(IssueSeverity.Error, "too-costly",
                $"{_omitted:N0} more issue(s) not reported: a resource is answered with at most {Options.MaxIssues} (ValidatorOptions.MaxIssues)."));
        return new ValidationReport(_issues);
    }
}
