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
    // What checks compute once per validation (a Bundle's index of its entries), shared with Try's probes.
    private readonly Dictionary<(Type, object), object> _memo;
    private int _omitted;
    private int _omittedErrors;
    private int _steps;

    internal ValidationState(ResourceValidator validator, ElementNode root, FhirPathContext fhirPath, CancellationToken cancellation)
        : this(validator, root, fhirPath, cancellation, [])
    {
    }

    private ValidationState(ResourceValidator validator, ElementNode root, FhirPathContext fhirPath, CancellationToken cancellation,
        Dictionary<(Type, object), object> memo)
    {
        Validator = validator;
        Root = root;
        FhirPath = fhirPath;
        Cancellation = cancellation;
        _memo = memo;
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
    public void Report(IssueSeverity severity, string code, string message, ElementNode node)
    {
        // Past the cap only the count is kept, before the location is computed: a node's location walks up the tree and
        // counts its preceding siblings, so 50,000 extensions each with an issue cost minutes of it.
        if (_issues.Count >= Options.MaxIssues)
        {
            if (severity is IssueSeverity.Error or IssueSeverity.Fatal)
            {
                HasErrors = true;
                _omittedErrors++;
            }
            _omitted++;
            return;
        }
        Add(new OutcomeIssue(severity, code, message, node.Location, node.Line, node.Column));
    }

    /// <summary>Adds an issue; the same message at the same place is kept once (a resource checked against a profile and its base).</summary>
    public void Add(OutcomeIssue issue)
    {
        if (!_seen.Add((issue.Message, issue.Expression))) return;
        if (issue.IsError) HasErrors = true;
        if (_issues.Count >= Options.MaxIssues)
        {
            _omitted++;
            if (issue.IsError) _omittedErrors++;
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
        var probe = new ValidationState(Validator, Root, FhirPath, Cancellation, _memo) { ProfileDepth = ProfileDepth };
        validate(probe);
        issues = probe.Issues;
        return !probe.HasErrors;
    }

    /// <summary>
    /// The value of type <typeparamref name="T"/> computed for <paramref name="key"/> in this validation (its tentative
    /// parts included), made by <paramref name="create"/> on first use.
    /// </summary>
    public T Memo<T>(object key, Func<object, T> create) where T : class
    {
        if (_memo.TryGetValue((typeof(T), key), out var known)) return (T)known;
        var value = create(key);
        _memo[(typeof(T), key)] = value;
        return value;
    }

    internal ValidationReport ToReport()
    {
        // The closing issue is an error only when errors were among those left out: warnings past the cap do not make a
        // valid resource invalid (a write would be refused for them).
        if (_omitted > 0)
            _issues.Add(new OutcomeIssue(_omittedErrors > 0 ? IssueSeverity.Error : IssueSeverity.Warning, "too-costly",
                $"{_omitted:N0} more issue(s) not reported ({_omittedErrors:N0} of them errors): a resource is answered with at most {Options.MaxIssues} (Validation:MaxIssues)."));
        return new ValidationReport(_issues);
    }
}
