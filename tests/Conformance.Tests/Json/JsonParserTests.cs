using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Json;

public class JsonParserTests
{
    private static FhirJsonParser Parser => TestData.Context.Json;

    private static ElementNode ParseOk(string json)
    {
        var result = Parser.Parse(json);
        Assert.That(result.Issues.Where(i => i.IsError), Is.Empty, string.Join("\n", result.Issues));
        return result.Resource!;
    }

    private static IReadOnlyList<OutcomeIssue> Errors(string json) => Parser.Parse(json).Issues.Where(i => i.IsError).ToList();

    [Test]
    public void Typed_tree_has_names_types_values_and_locations()
    {
        var patient = ParseOk("""{"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"Dupont","given":["Jean","Marie"]}],"birthDate":"1974-12-25"}""");
        Assert.That(patient.Type, Is.EqualTo("Patient"));
        Assert.That(patient.IsResource);
        var given = patient.Child("name")!.ChildrenNamed("given").ToList();
        Assert.That(given.Select(g => g.Value), Is.EqualTo(new[] { "Jean", "Marie" }));
        Assert.That(given[1].Type, Is.EqualTo("string"));
        Assert.That(given[1].Location, Is.EqualTo("Patient.name[0].given[1]"));
        Assert.That(given[1].Definition!.Path, Is.EqualTo("HumanName.given"));
        Assert.That(patient.Child("birthDate")!.Type, Is.EqualTo("date"));
        Assert.That(patient.Child("active")!.Value, Is.EqualTo("true"));
        Assert.That(patient.Child("id")!.Type, Is.EqualTo("id"));
    }

    [Test]
    public void Choice_element_keeps_base_name_and_chosen_type()
    {
        var obs = ParseOk("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.10,"unit":"mg"}}""");
        var value = obs.Child("value")!;
        Assert.That(value.Type, Is.EqualTo("Quantity"));
        Assert.That(value.SerializedName, Is.EqualTo("valueQuantity"));
        Assert.That(value.Location, Is.EqualTo("Observation.value.ofType(Quantity)"));
        Assert.That(value.Child("value")!.Value, Is.EqualTo("1.10"));
    }

    [TestCase("1.10")]
    [TestCase("1e3")]
    [TestCase("-0.000")]
    [TestCase("12345678901234567890.123456789")]
    public void Decimals_are_kept_exactly_as_written(string literal)
    {
        var json = """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":""" + literal + "}}";
        var obs = ParseOk(json);
        Assert.That(obs.Child("value")!.Child("value")!.Value, Is.EqualTo(literal));
        Assert.That(FhirJsonWriter.WriteToString(obs), Does.Contain($"\"value\":{literal}"));
    }

    [Test]
    public void Primitive_extensions_align_with_nulls()
    {
        const string json = """
            {"resourceType":"Patient","name":[{"given":["Jean",null,"Luc"],
              "_given":[null,{"extension":[{"url":"http://example.org/x","valueString":"only-ext"}]},{"id":"g3"}]}]}
            """;
        var patient = ParseOk(json);
        var given = patient.Child("name")!.ChildrenNamed("given").ToList();
        Assert.That(given, Has.Count.EqualTo(3));
        Assert.That(given[0].Value, Is.EqualTo("Jean"));
        Assert.That(given[1].Value, Is.Null);
        Assert.That(given[1].Child("extension")!.Child("value")!.Value, Is.EqualTo("only-ext"));
        Assert.That(given[2].Child("id")!.Value, Is.EqualTo("g3"));

        var written = JsonNode.Parse(FhirJsonWriter.WriteToString(patient))!;
        Assert.That(JsonNode.DeepEquals(written, JsonNode.Parse(json)), Is.True, written.ToJsonString());
    }

    [Test]
    public void Underscore_part_may_come_before_the_value()
    {
        var patient = ParseOk("""{"resourceType":"Patient","_birthDate":{"id":"b"},"birthDate":"2000"}""");
        var birthDate = patient.ChildrenNamed("birthDate").Single();
        Assert.That(birthDate.Value, Is.EqualTo("2000"));
        Assert.That(birthDate.Child("id")!.Value, Is.EqualTo("b"));
    }

    [Test]
    public void Resource_type_need_not_come_first_and_contained_and_bundle_resources_are_typed()
    {
        var bundle = ParseOk("""
            {"type":"collection","resourceType":"Bundle","entry":[
              {"fullUrl":"urn:uuid:1","resource":{"name":[{"family":"X"}],"resourceType":"Patient","contained":[{"resourceType":"Organization","name":"Org"}]}}]}
            """);
        var resource = bundle.Child("entry")!.Child("resource")!;
        Assert.That(resource.IsResource);
        Assert.That(resource.Type, Is.EqualTo("Patient"));
        Assert.That(resource.Child("name")!.Child("family")!.Location, Is.EqualTo("Bundle.entry[0].resource.name[0].family"));
        var contained = resource.Child("contained")!;
        Assert.That(contained.Type, Is.EqualTo("Organization"));
        Assert.That(contained.Child("name")!.Value, Is.EqualTo("Org"));
    }

    [Test]
    public void Parameters_resource_parameter_is_typed()
    {
        var p = ParseOk("""{"resourceType":"Parameters","parameter":[{"name":"r","resource":{"resourceType":"Patient","id":"x"}},{"name":"v","valueCode":"a"}]}""");
        var parameters = p.ChildrenNamed("parameter").ToList();
        Assert.That(parameters[0].Child("resource")!.Type, Is.EqualTo("Patient"));
        Assert.That(parameters[1].Child("value")!.Type, Is.EqualTo("code"));
    }

    [Test]
    public void Narrative_div_is_kept_as_xhtml_text()
    {
        const string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hélène &amp; <b>Zoé</b></p></div>";
        var patient = ParseOk(new JsonObject { ["resourceType"] = "Patient", ["text"] = new JsonObject { ["status"] = "generated", ["div"] = div } }.ToJsonString());
        Assert.That(patient.Child("text")!.Child("div")!.Value, Is.EqualTo(div));
        Assert.That(patient.Child("text")!.Child("div")!.Type, Is.EqualTo("xhtml"));
    }

    [Test]
    public void Unknown_property_is_reported_with_location_and_position()
    {
        var errors = Errors("{\"resourceType\":\"Patient\",\n  \"name\":[{\"famly\":\"X\"}]}");
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Message, Does.Contain("famly"));
        Assert.That(errors[0].Expression, Is.EqualTo("Patient.name[0].famly"));
        Assert.That(errors[0].Line, Is.EqualTo(2));
        Assert.That(errors[0].Column, Is.EqualTo(12));
    }

    [Test]
    public void An_element_whose_content_was_refused_is_marked()
    {
        var resource = Parser.Parse("""
            {"resourceType":"Observation","status":"final","category":[{"coding":[]}],"code":{"text":"x","famly":"y"},"_valueInteger":{"value":0}}
            """).Resource!;
        Assert.Multiple(() =>
        {
            Assert.That(resource.Child("category")!.HasRefusedContent, Is.True, "an empty array");
            Assert.That(resource.Child("code")!.HasRefusedContent, Is.True, "an unknown property");
            Assert.That(resource.Child("value")!.HasRefusedContent, Is.True, "an unknown property of a primitive's _ object");
            Assert.That(resource.Child("status")!.HasRefusedContent, Is.False);
            Assert.That(resource.HasRefusedContent, Is.False);
        });
    }

    [TestCase("""{"resourceType":"Patient","active":"true"}""", "boolean")]
    [TestCase("""{"resourceType":"Patient","birthDate":19741225}""", "string")]
    [TestCase("""{"resourceType":"Patient","name":{"family":"X"}}""", "array")]
    [TestCase("""{"resourceType":"Patient","gender":["male"]}""", "not be an array")]
    [TestCase("""{"resourceType":"Patient","name":["X"]}""", "JSON object")]
    [TestCase("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"1.0"}}""", "number")]
    public void Wrong_json_types_are_reported(string json, string expected)
    {
        var errors = Errors(json);
        Assert.That(errors, Is.Not.Empty);
        Assert.That(errors[0].Message, Does.Contain(expected));
    }

    [TestCase("""{"resourceType":"Patient","active":true,"active":false}""", "Duplicate")]
    [TestCase("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","valueBoolean":true}""", "choice")]
    [TestCase("""{"resourceType":"Patient","name":[{}]}""", "Empty object")]
    [TestCase("""{"resourceType":"Patient","name":[]}""", "Empty array")]
    [TestCase("""{"resourceType":"Patient","gender":null}""", "null")]
    [TestCase("""{"resourceType":"Patient","name":[{"given":[null]}]}""", "")]
    [TestCase("""{"resourceType":"Patient","birthDate":"25/12/1974"}""", "not a valid date")]
    [TestCase("""{"resourceType":"Patient","id":"has space"}""", "not a valid id")]
    [TestCase("""{"resourceType":"Patient","gender":"fe male "}""", "not a valid code")]
    [TestCase("""{"resourceType":"Patient","implicitRules":"has space"}""", "not a valid uri")]
    [TestCase("""{"resourceType":"Patient","name":[{"family":""}]}""", "Empty values")]
    [TestCase("""{"resourceType":"Patient","text":{"status":"generated","div":"<p>no div</p>"}}""", "div")]
    [TestCase("""{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">&nbsp;</div>"}}""", "Invalid entity in the XHTML ('&nbsp;')")]
    [TestCase("""{"resourceType":"Patient","_active":"x"}""", "_active")]
    [TestCase("""{"resourceType":"Patient","_name":{"id":"x"}}""", "only allowed for primitive")]
    [TestCase("""{"resourceType":"Nonsense"}""", "Unknown resource type")]
    [TestCase("""{"resourceType":"Binary","contentType":"text/plain","data":"abc"}""", "not valid base64")]
    [TestCase("""{"resourceType":"Binary","contentType":"text/plain","data":"ab$="}""", "not valid base64")]
    [TestCase("""{"resourceType":"Patient","name":[{"family":"Du\u0001pont"}]}""", "control character U+0001")]
    [TestCase("""{"resourceType":"Patient","gender":"fe\u000Bmale"}""", "control character U+000B")]
    [TestCase("""{"id":"x"}""", "resourceType")]
    [TestCase("""[1,2]""", "JSON object")]
    public void Invalid_content_is_reported_not_dropped(string json, string expected)
    {
        var errors = Errors(json);
        Assert.That(errors, Is.Not.Empty, "no error reported");
        Assert.That(string.Join("\n", errors.Select(e => e.Message)), Does.Contain(expected));
    }

    [TestCase("SGVsbG8gSMOpbMOobmUh")]
    [TestCase("SGVsbG8g\u0053\u0047\u0056\u0073\u0062\u0047\u0038\u003D")]
    public void Base64_values_read_and_write_unchanged_whether_escaped_or_not(string literal)
    {
        var json = """{"resourceType":"Binary","contentType":"text/plain","data":" """.TrimEnd() + literal + "\"}";
        var binary = ParseOk(json);
        var data = binary.Child("data")!;
        Assert.That(data.Type, Is.EqualTo("base64Binary"));
        Assert.That(data.Value, Is.EqualTo(System.Text.Json.JsonSerializer.Deserialize<string>("\"" + literal + "\"")));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(FhirJsonWriter.WriteToString(binary)), JsonNode.Parse(json)));
    }

    [Test]
    public void A_byte_order_mark_is_skipped_and_positions_and_values_stay_right()
    {
        var body = System.Text.Encoding.UTF8.GetBytes("{\"resourceType\":\"Binary\",\n\"contentType\":\"text/plain\",\"data\":\"SGVsbG8=\",\"nope\":1}");
        var result = Parser.Parse([0xEF, 0xBB, 0xBF, .. body]);
        Assert.That(result.Resource!.Child("data")!.Value, Is.EqualTo("SGVsbG8="));
        var unknown = result.Issues.Single(i => i.IsError);
        Assert.That((unknown.Line, unknown.Column), Is.EqualTo((2, 46)));
    }

    [Test]
    public void Values_and_underscore_arrays_of_different_length_are_reported()
    {
        var errors = Errors("""{"resourceType":"Patient","name":[{"given":["a","b"],"_given":[{"id":"x"}]}]}""");
        Assert.That(errors.Select(e => e.Message), Has.Some.Contains("same length"));
    }
}

public class SampleFileTests
{
    public static IEnumerable<TestCaseData> Samples() =>
        Directory.EnumerateFiles(Path.Combine(TestData.RepositoryRoot, "samples"), "*.json")
            .Select(f => new TestCaseData(f).SetArgDisplayNames(Path.GetFileName(f)));

    [TestCaseSource(nameof(Samples))]
    public void Sample_reads_cleanly_and_round_trips(string path)
    {
        var result = RoundTrip.Check(TestData.Context, path);
        Assert.That(result.Issues, Is.Empty, string.Join("\n", result.Issues));
        Assert.That(result.Differences, Is.Empty, string.Join("\n", result.Differences));
    }
}
