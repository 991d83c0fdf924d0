using System.Text;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Serialization;

/// <summary>
/// Nesting of resources: the deepest content the parsers accept (<see cref="ParserOptions.MaxDepth"/>) goes through
/// every recursive walker on less than half of a thread pool thread's stack (<see cref="SmallStack"/>); XML input stays readable once written as
/// JSON; and containment is one level deep (R4 dom-2).
/// </summary>
public sealed class NestingTests
{
    private static readonly int MaxDepth = ParserOptions.Default.MaxDepth;

    /// <summary>A Patient whose managingOrganization chains identifier.assigner: one JSON level per element, the deepest tree for its JSON depth.</summary>
    private static string AssignerChain(int jsonDepth)
    {
        // Patient {1} managingOrganization {2}, then identifier {+1} assigner {+1} pairs.
        var pairs = (jsonDepth - 2) / 2;
        var sb = new StringBuilder("""{"resourceType":"Patient","managingOrganization":""");
        for (var i = 0; i < pairs; i++) sb.Append("""{"identifier":{"value":"v","assigner":""");
        sb.Append("""{"display":"last"}""");
        for (var i = 0; i < pairs; i++) sb.Append("}}");
        return sb.Append('}').ToString();
    }

    /// <summary>A Questionnaire with items nested <paramref name="levels"/> deep, in JSON or XML.</summary>
    private static string Items(int levels, bool xml)
    {
        var sb = new StringBuilder(xml ? """<Questionnaire xmlns="http://hl7.org/fhir"><status value="draft"/>""" : """{"resourceType":"Questionnaire","status":"draft",""");
        for (var i = 0; i < levels; i++)
            sb.Append(xml ? $"""<item><linkId value="l{i}"/><type value="group"/>""" : $$"""{{(i == 0 ? "" : ",")}}"item":[{"linkId":"l{{i}}","type":"group" """);
        for (var i = 0; i < levels; i++) sb.Append(xml ? "</item>" : "}]");
        return sb.Append(xml ? "</Questionnaire>" : "}").ToString();
    }

    [Test]
    public void The_deepest_accepted_resource_goes_through_every_recursive_walker_on_a_small_stack()
    {
        var json = AssignerChain(MaxDepth);
        var parsed = TestData.Context.Json.Parse(json);
        Assert.That(parsed.HasErrors, Is.False, string.Join("; ", parsed.Issues.Select(i => i.Message)));
        Assert.That(TestData.Context.Json.Parse(AssignerChain(MaxDepth + 2)).HasErrors, Is.True, "one pair deeper is refused");

        var resource = parsed.Resource!;
        var indexer = new SearchIndexer(new SearchParameterRegistry(TestData.Context.Registry), TestData.Context.Registry);
        SmallStack.Run(() =>
        {
            var written = FhirJsonWriter.WriteToBytes(resource);
            Assert.That(TestData.Context.Json.Parse(written).HasErrors, Is.False, "written JSON reads back");
            FhirXmlWriter.WriteToBytes(resource);
            indexer.Extract(resource);
            Assert.That(FhirPathEngine.Evaluate("descendants().where($this is string and $this = 'last')", resource), Has.Count.EqualTo(1));
            Assert.That(FhirPathEngine.Evaluate("managingOrganization.repeat(identifier.assigner).display", resource), Has.Count.EqualTo(1));
            return 0;
        });
    }

    [Test]
    public void Xml_nests_half_as_deep_so_that_what_it_accepts_is_readable_as_json()
    {
        // Items are two JSON levels (an array and an object) but one XML element each: the XML limit keeps the
        // deepest XML the JSON parser can read back once stored.
        var atLimit = TestData.Context.Xml.Parse(Items(ParserOptions.Default.MaxXmlDepth - 2, xml: true));
        Assert.That(atLimit.HasErrors, Is.False, string.Join("; ", atLimit.Issues.Select(i => i.Message)));
        var asJson = FhirJsonWriter.WriteToBytes(atLimit.Resource!);
        Assert.That(TestData.Context.Json.Parse(asJson).HasErrors, Is.False, "the XML's JSON form reads back");

        var deeper = TestData.Context.Xml.Parse(Items(ParserOptions.Default.MaxXmlDepth - 1, xml: true));
        Assert.That(deeper.Issues.Single().Message, Does.Contain($"limit of {ParserOptions.Default.MaxXmlDepth} levels of XML elements"));

        // The same items are within the JSON limit too.
        Assert.That(TestData.Context.Json.Parse(Items(ParserOptions.Default.MaxXmlDepth - 2, xml: false)).HasErrors, Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_contained_resource_with_contained_resources_is_refused(bool xml)
    {
        var text = xml
            ? """<Patient xmlns="http://hl7.org/fhir"><contained><Organization><id value="o"/><contained><Organization><id value="o2"/></Organization></contained></Organization></contained></Patient>"""
            : """{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","contained":[{"resourceType":"Organization","id":"o2"}]}]}""";
        var result = xml ? TestData.Context.Xml.Parse(text) : TestData.Context.Json.Parse(text);
        var issue = result.Issues.Single();
        Assert.Multiple(() =>
        {
            Assert.That(issue.Message, Does.Contain("dom-2"));
            Assert.That(issue.Expression, Is.EqualTo("Patient.contained[0].contained"));
        });
    }

    [Test]
    public void A_contained_bundle_may_hold_resources_with_their_own_contained()
    {
        // dom-2 is about contained.contained: a contained Bundle's entries are resources of the Bundle, not contained ones.
        var result = TestData.Context.Json.Parse("""
            {"resourceType":"Patient","contained":[{"resourceType":"Bundle","id":"b","type":"collection","entry":[
              {"resource":{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o"}]}}]}]}
            """);
        Assert.That(result.Issues, Is.Empty);
    }
}
