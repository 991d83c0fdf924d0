using System.Text.Json;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// Every FHIRPath expression the loaded packages carry compiles: SearchParameter.expression and the invariants
/// of the StructureDefinitions (ElementDefinition.constraint.expression). The ones that do not yet are listed
/// under <c>expressions</c> in fhirpath-skips.json with the reason, and must still fail.
/// </summary>
public sealed class PackageExpressionTests
{
    private static readonly Lazy<IReadOnlyList<(string Source, string Expression)>> LazyExpressions = new(Collect);

    [Test]
    public void SearchParameterAndConstraintExpressionsCompile()
    {
        var expressions = LazyExpressions.Value;
        Assert.That(expressions, Has.Count.GreaterThan(1000), "the packages should carry many expressions");
        var failures = new List<string>();
        var listedButCompiling = new List<string>();
        foreach (var (source, expression) in expressions.DistinctBy(e => e.Expression))
        {
            var error = TryCompile(expression);
            var listed = FhirPathSkips.Expressions.ContainsKey(expression);
            if (error is not null && !listed) failures.Add($"{source}: {expression}\n    {error}");
            if (error is null && listed) listedButCompiling.Add(expression);
        }
        TestContext.Out.WriteLine($"{expressions.Count} expressions ({expressions.Select(e => e.Expression).Distinct().Count()} distinct), {FhirPathSkips.Expressions.Count} listed as not compiling");
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, "expressions that do not compile:\n" + string.Join("\n", failures));
            Assert.That(listedButCompiling, Is.Empty, "listed in fhirpath-skips.json but compile now: remove them");
        });
    }

    [Test]
    public void PackageExpressionsStayFarInsideTheDefaultLimits()
    {
        // FhirPathLimits.Default is meant for what real content never meets: at most half of each limit is used.
        var compiled = LazyExpressions.Value.DistinctBy(e => e.Expression)
            .Where(e => !FhirPathSkips.Expressions.ContainsKey(e.Expression))
            .Select(e => FhirPathEngine.Compile(e.Expression)).ToList();
        var deepest = compiled.MaxBy(c => c.Depth)!;
        var longest = compiled.MaxBy(c => c.Text.Length)!;
        TestContext.Out.WriteLine($"deepest: {deepest.Depth} levels ({deepest.Text}); longest: {longest.Text.Length} characters");
        Assert.Multiple(() =>
        {
            Assert.That(deepest.Depth * 2, Is.LessThanOrEqualTo(FhirPathLimits.Default.MaxDepth));
            Assert.That(longest.Text.Length * 2, Is.LessThanOrEqualTo(FhirPathLimits.Default.MaxLength));
        });
    }

    [Test]
    public void CoreSearchParameterExpressionsPassTheStrictStaticCheckOnEachBase()
    {
        // Strict mode's static pass must not refuse what the specification itself writes: every R4 core
        // SearchParameter expression, checked against each resource type of its base.
        var registry = TestData.Context.Registry;
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var entry in registry.ListByResourceType("SearchParameter").Where(e => e.Package.Name == "hl7.fhir.r4.core"))
        {
            using var doc = registry.ReadJson(entry);
            if (!doc.RootElement.TryGetProperty("expression", out var e) || e.GetString() is not { Length: > 0 } expression) continue;
            foreach (var b in doc.RootElement.GetProperty("base").EnumerateArray())
            {
                var type = b.GetString()!;
                checkedCount++;
                try
                {
                    FhirPathEngine.Compile(expression).Check(type, registry);
                }
                catch (FhirPathException x)
                {
                    failures.Add($"{entry.Url} on {type}: {x.Message}");
                }
            }
        }
        TestContext.Out.WriteLine($"{checkedCount} (expression, base) pairs checked");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public void CoreInvariantsPassTheStrictStaticCheckOnTheirElement()
    {
        // The same for the invariants of the R4 core resources and data types, each checked with its element as
        // input. The few the specification wrote wrong are listed, with why, in fhirpath-skips.json.
        var registry = TestData.Context.Registry;
        var failures = new List<string>();
        var refused = new List<string>();
        var checkedCount = 0;
        foreach (var entry in registry.ListByResourceType("StructureDefinition").Where(e => e.Package.Name == "hl7.fhir.r4.core"))
        {
            var sd = registry.Compile(entry);
            // Logical models (Event, Request, FiveWs…) describe patterns, not instances.
            if (sd.Kind == "logical") continue;
            foreach (var element in sd.Elements)
                foreach (var constraint in element.Constraints)
                {
                    if (constraint.Expression is not { Length: > 0 } expression || FhirPathSkips.Expressions.ContainsKey(expression)) continue;
                    checkedCount++;
                    var key = $"{sd.Url}#{constraint.Key}";
                    try
                    {
                        FhirPathEngine.Compile(expression).Check(element, registry);
                    }
                    catch (FhirPathException x)
                    {
                        if (FhirPathSkips.RefusedInStrictMode.ContainsKey(key)) refused.Add(key);
                        else failures.Add($"{key} on {element.Id}: {expression}\n    {x.Message}");
                    }
                }
        }
        TestContext.Out.WriteLine($"{checkedCount} invariants checked");
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, string.Join("\n", failures));
            Assert.That(FhirPathSkips.RefusedInStrictMode.Keys.Except(refused), Is.Empty, "listed in fhirpath-skips.json as refused, but accepted now");
        });
    }

    private static string? TryCompile(string expression)
    {
        try
        {
            FhirPathEngine.Compile(expression);
            return null;
        }
        catch (FhirPathException e)
        {
            return $"{e.Kind}: {e.Message}";
        }
    }

    private static IReadOnlyList<(string, string)> Collect()
    {
        var registry = TestData.Context.Registry;
        var result = new List<(string, string)>();
        foreach (var entry in registry.ListByResourceType("SearchParameter"))
        {
            using var doc = registry.ReadJson(entry);
            if (doc.RootElement.TryGetProperty("expression", out var e) && e.ValueKind == JsonValueKind.String)
                result.Add(($"SearchParameter {entry.Url}", e.GetString()!));
        }
        foreach (var entry in registry.ListByResourceType("StructureDefinition"))
        {
            var sd = registry.Compile(entry);
            foreach (var element in sd.Elements)
                foreach (var constraint in element.Constraints)
                    if (constraint.Expression is { Length: > 0 } expression)
                        result.Add(($"{sd.Url} {element.Id} {constraint.Key}", expression));
        }
        return result;
    }
}
