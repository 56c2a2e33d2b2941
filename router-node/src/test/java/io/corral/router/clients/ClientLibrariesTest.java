package io.corral.router.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.github.ollama4j.Ollama;
import io.github.ollama4j.models.chat.OllamaChatMessageRole;
import io.github.ollama4j.models.chat.OllamaChatRequest;
import io.github.ollama4j.models.chat.OllamaChatResult;
import io.github.ollama4j.models.embed.OllamaEmbedRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Well-known client libraries talk to a member exactly as they would to the real servers. */
class ClientLibrariesTest {

  static TestCluster cluster;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    SimulatedBackend ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withDefaultTokens(6));
    SimulatedBackend llama = cluster.sim(SimBackendOptions.llamaServer("tiny").withSlots(2).withDefaultTokens(6));
    api = cluster.member(List.of(ollama.url(), llama.url())).apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void ollama4jListsChatsStreamsAndEmbedsThroughAMember() throws Exception {
    Ollama client = new Ollama(api);
    client.setRequestTimeoutSeconds(30);
    assertThat(client.ping()).isTrue();
    assertThat(client.getVersion()).isEqualTo("0.12.6");
    assertThat(client.listModels()).extracting(io.github.ollama4j.models.response.Model::getName)
        .contains("llama3:latest");

    List<String> tokens = new ArrayList<>();
    OllamaChatRequest request = OllamaChatRequest.builder().withModel("llama3")
        .withMessage(OllamaChatMessageRole.USER, "hello").withStreaming().build();
    OllamaChatResult result = client.chat(request, chunk -> tokens.add(chunk.getMessage().getResponse()));
    assertThat(result.getResponseModel().isDone()).isTrue();
    assertThat(tokens).hasSizeGreaterThanOrEqualTo(6);

    assertThat(client.embed(new OllamaEmbedRequest("llama3", List.of("a", "b"))).getEmbeddings()).hasSize(2);
  }

  @Test
  void openAiJavaCompletesStreamsListsAndEmbedsThroughAMember() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(api + "/v1").apiKey("unused").build();
    try {
      ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
          .model("tiny").addUserMessage("hello").build());
      assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(c ->
          assertThat(c).isNotBlank());

      StringBuilder streamed = new StringBuilder();
      int chunks;
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
          ChatCompletionCreateParams.builder().model("llama3").addUserMessage("hello").build())) {
        List<ChatCompletionChunk> all = stream.stream().toList();
        chunks = all.size();
        all.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
      }
      assertThat(chunks).isGreaterThanOrEqualTo(6);
      assertThat(streamed.toString()).isNotBlank();

      assertThat(client.models().list().data()).extracting(Model::id).contains("llama3:latest", "tiny");

      CreateEmbeddingResponse emb = client.embeddings().create(EmbeddingCreateParams.builder().model("llama3")
          .input("hello").build());
      assertThat(emb.data().get(0).embedding()).isNotEmpty();
    } finally {
      client.close();
    }
  }
}
