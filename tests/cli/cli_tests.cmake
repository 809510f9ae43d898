# Included from tests/CMakeLists.txt with EXPECT (the checker script) and ATMAN_EXE set.
# Each test: name, expected exit code, regex over the output, then the command.
function(atman_cli_test name rc regex)
  add_test(NAME cli_${name} COMMAND ${EXPECT} ${rc} ${regex} ${ARGN})
  set_tests_properties(cli_${name} PROPERTIES LABELS cli)
endfunction()

set(DATA ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(LILY "Once upon a time, there was a little girl named Lily.")

atman_cli_test(generate_known_good 0 "She loved to play outside"
  --stdout-file ${DATA}/stories260K_lily_60.txt -- ${ATMAN_EXE} generate --prompt ${LILY} --max-new-tokens 60)
atman_cli_test(help_shows_defaults 0 "max-new-tokens.*60" -- ${ATMAN_EXE} generate --help)
atman_cli_test(doctor_reports_openblas 0 "BLAS \\(sgemm_\\): +[^ ]*openblas" -- ${ATMAN_EXE} doctor)
# --threads 0 means the cores the process may use (taskset, Slurm/cpuset bindings), not every core.
atman_cli_test(threads_follow_cpu_affinity 0 "torch threads: +1$" -- taskset -c 0 ${ATMAN_EXE} doctor)
# ... and a cgroup CPU limit (docker --cpus, Kubernetes limits.cpu): a real cgroup of 0.5 cores.
# A cgroup memory limit below what a model's weights take is refused before the kernel kills.
foreach(controller cpu memory)
  add_test(NAME cli_cgroup_${controller}_limit
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/cgroup_limits_test.sh ${controller} ${ATMAN_EXE}
            ${CMAKE_CURRENT_BINARY_DIR}/cgroup_${controller}_limit)
  set_tests_properties(cli_cgroup_${controller}_limit PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
endforeach()
# --device: a malformed name is a usage error; CUDA on a libtorch without it one clear error.
atman_cli_test(device_malformed_exits_2 2 "error: --device 'gpu': expected auto, cpu, cuda or cuda:N"
  -- ${ATMAN_EXE} --device gpu generate --prompt hi)
if(NOT ATMAN_WITH_CUDA)
  atman_cli_test(device_cuda_needs_a_cuda_libtorch 1
    "^error: --device cuda: this atman was built against a libtorch without CUDA \\([0-9.]+\\). rebuild with tools/setup.sh --torch DIR"
    -- ${ATMAN_EXE} --device cuda explain --prompt hi --target " there")
endif()
atman_cli_test(doctor_reports_the_device 0 "device: +cpu \\(--device cpu\\), default dtype float32"
  -- ${ATMAN_EXE} doctor --device cpu)
atman_cli_test(usage_error_exits_2 2 "--no-such-flag" -- ${ATMAN_EXE} generate --prompt hi --no-such-flag)
atman_cli_test(missing_subcommand_exits_2 2 "subcommand" -- ${ATMAN_EXE})
atman_cli_test(missing_model_dir 1 "error: loading model '/nonexistent/model'.*does not exist"
  -- ${ATMAN_EXE} generate --model /nonexistent/model --prompt hi)
atman_cli_test(model_from_environment 1 "error: loading model '/from/env'"
  -- env ATMAN_MODEL=/from/env ${ATMAN_EXE} generate --prompt hi)
atman_cli_test(broken_model 1 "error: .*broken_model/model.safetensors: truncated"
  -- ${ATMAN_EXE} generate --model ${DATA}/broken_model --prompt hi)
atman_cli_test(convert_missing_checkpoint 2 "checkpoint.*/nonexistent.bin"
  -- ${ATMAN_EXE} convert-llama2c --checkpoint /nonexistent.bin --tokenizer ${DATA}/broken_model/tokenizer.model --out /tmp/x)
atman_cli_test(convert_rejects_non_llama2c_file 1 "error: .*tokenizer.model: implausible llama2.c header"
  -- ${ATMAN_EXE} convert-llama2c --checkpoint ${DATA}/broken_model/tokenizer.model --tokenizer ${DATA}/broken_model/tokenizer.model --out ${CMAKE_CURRENT_BINARY_DIR}/never_written)
# 600 repetitions of " Lily" are over the 512 positions of stories260K.
string(REPEAT " Lily" 600 LONG_PROMPT)
atman_cli_test(prompt_too_long 1 "error: prompt is [0-9]+ tokens, longer than the model's max_position_embeddings \\(512\\)"
  -- ${ATMAN_EXE} generate --prompt ${LONG_PROMPT})

# explain: the main job, its outputs and its bad input.
set(TOM_PROMPT "Once upon a time, there was a little boy named Tom. One day,")
set(TOM_TARGET " Tom went to the park")
atman_cli_test(explain_text_ranks_tom_first 0 "\n1\t13\tprompt\t46\t2\t[0-9.]+\t\" T\""
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --conceptual-threshold off)
# The fused attention kernel explains the same way (on libtorch 1.13 with a warning that it is no faster).
atman_cli_test(explain_fused_attention_ranks_tom_first 0 "\n1\t13\tprompt\t46\t2\t[0-9.]+\t\" T\""
  -- ${ATMAN_EXE} explain --attention fused --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --conceptual-threshold off)
atman_cli_test(attention_kernel_unknown_exits_2 2 "--attention: bogus not in \\{explicit,fused\\}"
  -- ${ATMAN_EXE} explain --attention bogus --prompt ${TOM_PROMPT} --target ${TOM_TARGET})
atman_cli_test(explain_json_schema 0 "^\\{\"schema\":\"atman.explanation/v1\",\"model\":\\{\"path\""
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --format json)
atman_cli_test(explain_html_to_file 0 "explained"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --format html
     --output ${CMAKE_CURRENT_BINARY_DIR}/explain_smoke.html)
atman_cli_test(explain_files_and_sentences 0 "sentence"
  -- ${ATMAN_EXE} explain --prompt-file ${DATA}/lily_prompt.txt --target-file ${DATA}/lily_target.txt
     --granularity sentence --format json)
# CMake drops empty arguments, so a shell passes the empty target as a user would type it.
atman_cli_test(explain_empty_target 1 "error: the target is empty"
  -- sh -c "exec \"$0\" explain --prompt 'One day,' --target ''" ${ATMAN_EXE})
atman_cli_test(explain_missing_prompt 1 "error: the prompt is empty"
  -- ${ATMAN_EXE} explain --target ${TOM_TARGET})
atman_cli_test(explain_target_without_tokens 1 "error: the target ' ' yields no tokens"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target " ")
atman_cli_test(explain_factor_out_of_range 2 "error: --factor must lie in \\[0, 100\\], got 150"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --factor 150)
atman_cli_test(explain_threshold_out_of_range 2 "error: --conceptual-threshold must lie in \\[0, 1\\]"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --conceptual-threshold 2)
atman_cli_test(explain_threshold_not_a_number 2 "error: --conceptual-threshold must be a number"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --conceptual-threshold high)
atman_cli_test(explain_unknown_granularity 2 "error: unknown granularity 'letter'"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --granularity letter)
atman_cli_test(explain_unwritable_output 1 "error: cannot write output file '/nonexistent/dir/out.json'"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --output /nonexistent/dir/out.json)
atman_cli_test(explain_missing_prompt_file 1 "error: --prompt-file: cannot read '/nonexistent.txt'"
  -- ${ATMAN_EXE} explain --prompt-file /nonexistent.txt --target ${TOM_TARGET})
atman_cli_test(explain_bad_layers 2 "error: --layers: '9' is not a layer index in \\[0, 4\\]"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --layers 0,9)
atman_cli_test(explain_prompt_too_long 1 "error: prompt and target are [0-9]+ tokens together, longer than the model's max_position_embeddings \\(512\\)"
  -- ${ATMAN_EXE} explain --prompt ${LONG_PROMPT} --target ${TOM_TARGET})

# bench and init-model on the tiny preset (seconds): the table and the JSON report.
atman_cli_test(bench_tiny_preset_table 0 "atman/naive time [0-9.]+, max \\|R_atman - R_naive\\|"
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 32,48 --target-tokens 4)
atman_cli_test(bench_json 0 "\"atman_peak_over_bound\""
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 24 --target-tokens 2 --json)
# One perturbed pass over the whole prompt: the synthetic prompt is one paragraph.
atman_cli_test(bench_one_paragraph_unit 0 "\n24\t25\tatman\t1\t2\t"
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 24 --target-tokens 2 --modes atman --granularity paragraph)
# --profile: each mode's time per operator (CPU), its matmuls among them.
atman_cli_test(bench_profile 0 "profile of atman at 24 prompt tokens: cpu operators \\(self time\\).*\n[0-9.]+%\t[0-9.]+\t[0-9]+\taten::(mm|bmm|matmul|addmm|linear)"
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 24 --target-tokens 2 --modes forward,atman --profile)
atman_cli_test(bench_unknown_granularity 1 "error: unknown granularity 'bogus'"
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 24 --granularity bogus)
atman_cli_test(init_model_unknown_preset 2 "error: unknown preset 'huge'"
  -- ${ATMAN_EXE} init-model --preset huge --out ${CMAKE_CURRENT_BINARY_DIR}/never)
atman_cli_test(bench_prompt_too_long 1 "error: .*exceed the model's max_position_embeddings"
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 5000 --modes atman)

# Gradient baselines beside AtMan: same outputs, method recorded, bad options refused.
atman_cli_test(explain_ig_json 0 "\"method\":\"ig\",\"params\":\\{[^}]*\"steps\":5"
  -- ${ATMAN_EXE} explain --method ig --steps 5 --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --format json)
atman_cli_test(explain_ixg_text 0 "# method ixg, 19 units"
  -- ${ATMAN_EXE} explain --method ixg --prompt ${TOM_PROMPT} --target ${TOM_TARGET})
atman_cli_test(explain_attattr_words 0 "\"method\":\"attattr\""
  -- ${ATMAN_EXE} explain --method attattr --steps 4 --granularity word --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --format json)
atman_cli_test(explain_unknown_method 2 "error: unknown method 'shap'"
  -- ${ATMAN_EXE} explain --method shap --prompt ${TOM_PROMPT} --target ${TOM_TARGET})
atman_cli_test(explain_zero_steps 2 "error: --steps must be >= 1"
  -- ${ATMAN_EXE} explain --method ig --steps 0 --prompt ${TOM_PROMPT} --target ${TOM_TARGET})
atman_cli_test(heads_table 0 "layer\th0\th1"
  -- ${ATMAN_EXE} heads --prompt ${TOM_PROMPT} --target ${TOM_TARGET} --steps 4)
atman_cli_test(heads_jsonl_with_bad_line 1 "error: 1 record\\(s\\) of '.*heads.jsonl' failed"
  -- ${ATMAN_EXE} heads --input ${DATA}/heads.jsonl --steps 2 --format json)
atman_cli_test(bench_gradient_memory 0 "ig peak / atman peak [0-9.]+"
  -- ${ATMAN_EXE} --threads 1 bench --preset tiny --prompt-tokens 24 --target-tokens 2 --method ig --steps 4)

# batch, merge and check: the data-set and CI workflows, end to end on the embedded model.
set(BATCH_INPUT ${DATA}/batch_input.jsonl)
add_test(NAME cli_batch_kill_and_resume
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/batch_resume_test.sh ${ATMAN_EXE} ${BATCH_INPUT} ${CMAKE_CURRENT_BINARY_DIR}/batch_resume)
add_test(NAME cli_batch_shards_merge
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/batch_shard_test.sh ${ATMAN_EXE} ${BATCH_INPUT} ${CMAKE_CURRENT_BINARY_DIR}/batch_shard)
add_test(NAME cli_check_end_to_end
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_test.sh ${ATMAN_EXE} ${BATCH_INPUT} ${CMAKE_CURRENT_BINARY_DIR}/check)
add_test(NAME cli_documents_and_refine
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/documents_test.sh ${ATMAN_EXE} ${DATA} ${CMAKE_CURRENT_BINARY_DIR}/documents)
set_tests_properties(cli_batch_kill_and_resume cli_batch_shards_merge cli_check_end_to_end cli_documents_and_refine
                     PROPERTIES LABELS cli)
atman_cli_test(batch_missing_input 1 "error: --input: cannot read '/nonexistent.jsonl'"
  -- ${ATMAN_EXE} batch --input /nonexistent.jsonl --output ${CMAKE_CURRENT_BINARY_DIR}/never.jsonl)
atman_cli_test(batch_bad_shard 2 "error: --shard 2/2: need 0 <= K < N"
  -- ${ATMAN_EXE} batch --input ${BATCH_INPUT} --output - --shard 2/2)
atman_cli_test(batch_refuses_to_overwrite 1 "error: --output '.*batch_input.jsonl' exists: pass --resume"
  -- ${ATMAN_EXE} batch --input ${BATCH_INPUT} --output ${BATCH_INPUT})
atman_cli_test(batch_failed_records_ok 0 "\\[warning\\] 6 of 12 records failed. their error lines are in the output"
  -- ${ATMAN_EXE} batch --input ${BATCH_INPUT} --output - --failed-records-ok)
atman_cli_test(batch_resume_to_stdout 2 "error: --resume needs an output file"
  -- ${ATMAN_EXE} batch --input ${BATCH_INPUT} --output - --resume)
atman_cli_test(check_missing_baseline 2 "error: --baseline: cannot read '/nonexistent.jsonl'"
  -- ${ATMAN_EXE} check --baseline /nonexistent.jsonl --current ${BATCH_INPUT})
atman_cli_test(merge_missing_shard 1 "error: shard: cannot read '/nonexistent.jsonl'"
  -- ${ATMAN_EXE} merge /nonexistent.jsonl)

# eval: the generated ground-truth set is reproducible, and all four methods are evaluated on it.
atman_cli_test(gold_generator_reproducible 0 "gold"
  --stdout-file ${DATA}/gold_stories.jsonl -- ${PROJECT_SOURCE_DIR}/tools/make_gold_stories.sh)
atman_cli_test(eval_gold_all_methods 0 "\\| attattr \\| 24 \\|"
  -- ${ATMAN_EXE} eval --input ${DATA}/gold_stories.jsonl --report ${CMAKE_CURRENT_BINARY_DIR}/eval_report --steps 4)
atman_cli_test(eval_delete_removal 0 "Removal: delete"
  -- ${ATMAN_EXE} eval --input ${DATA}/gold_stories.jsonl --methods atman --removal delete --report ${CMAKE_CURRENT_BINARY_DIR}/eval_delete)
atman_cli_test(eval_bad_records 1 "error: 1 failure\\(s\\): bad records"
  -- ${ATMAN_EXE} eval --input ${DATA}/heads.jsonl --methods atman,ixg --report ${CMAKE_CURRENT_BINARY_DIR}/eval_bad)
atman_cli_test(eval_unknown_method 2 "error: unknown method 'lime'"
  -- ${ATMAN_EXE} eval --input ${DATA}/gold_stories.jsonl --methods atman,lime --report ${CMAKE_CURRENT_BINARY_DIR}/never)

# Regressions for the defects of the hostile-user probe (issue 11), one test per defect.
foreach(case factor_one invalid_utf8_record output_special_files long_prompt_refused_fast concurrent_batch_locked
             overwrite_keeps_output_on_failure init_model_refuses_non_empty merge_refuses_incomplete
             check_nan_threshold check_non_numeric_totals nan_weights_refused prompt_utf8_and_controls
             resume_exit_code directories_and_devices max_memory_values option_values_exit_2 generate_padded_vocab
             stdout_write_failure empty_inputs unknown_record_field)
  add_test(NAME cli_hostile_${case}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/hostile_test.sh ${case} ${ATMAN_EXE} ${DATA} ${CMAKE_CURRENT_BINARY_DIR}/hostile)
  set_tests_properties(cli_hostile_${case} PROPERTIES LABELS cli TIMEOUT 300)
endforeach()

# tokenize and tokenizer.json models (the reference files of ../shared/fixtures/tokenizers).
set(HF_FIXTURES ${PROJECT_SOURCE_DIR}/../shared/fixtures/tokenizers)
atman_cli_test(tokenize_llama3_json 0 "\"ids\":\\[128000,9906,1917\\].*\"decoded\":\"<\\|begin_of_text\\|>Hello world\""
  -- ${ATMAN_EXE} tokenize --tokenizer ${HF_FIXTURES}/llama3.2/tokenizer.json --text "Hello world" --format json)
atman_cli_test(tokenize_no_add_special 0 "^\\{\"text\":\"Hello world\",\"ids\":\\[9906,1917\\]"
  -- ${ATMAN_EXE} tokenize --tokenizer ${HF_FIXTURES}/llama3.2/tokenizer.json --text "Hello world" --format json --no-add-special)
atman_cli_test(tokenize_split_special 0 "\"ids\":\\[27,91,68,354,851,91,29\\]"
  -- ${ATMAN_EXE} tokenize --tokenizer ${HF_FIXTURES}/llama3.2/tokenizer.json --text "<|eot_id|>" --format json --no-add-special --split-special)
atman_cli_test(tokenize_sentencepiece_table 0 "index\tid\tstart\tlength\tpiece"
  -- ${ATMAN_EXE} tokenize --text "Once upon a time")
atman_cli_test(tokenize_jsonl_with_bad_line 1 "error: 1 record\\(s\\) of '.*tokenize.jsonl' failed"
  -- ${ATMAN_EXE} tokenize --tokenizer ${HF_FIXTURES}/qwen2/tokenizer.json --input ${DATA}/tokenize.jsonl)
atman_cli_test(tokenize_malformed_tokenizer 1 "error: .*broken_tokenizer.json: malformed JSON"
  -- ${ATMAN_EXE} tokenize --tokenizer ${DATA}/broken_tokenizer.json --text hi)
atman_cli_test(tokenize_unsupported_component 1 "error: .*unigram_tokenizer.json.*Unigram"
  -- ${ATMAN_EXE} tokenize --tokenizer ${DATA}/unigram_tokenizer.json --text hi)
atman_cli_test(tokenize_invalid_utf8 1 "error: .*not valid UTF-8: byte 0xFF at byte offset 2"
  -- sh -c "exec \"$0\" tokenize --tokenizer \"$1\" --text \"$(printf 'hi\\377')\"" ${ATMAN_EXE} ${HF_FIXTURES}/gpt2/tokenizer.json)
add_test(NAME cli_explain_with_tokenizer_json
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/tokenizer_json_model_test.sh ${ATMAN_EXE} ${HF_FIXTURES} ${CMAKE_CURRENT_BINARY_DIR}/tokenizer_json_model)
set_tests_properties(cli_explain_with_tokenizer_json PROPERTIES LABELS cli)

# Chat prompts (issue 17) on the embedded model with templates from tests/data/chat: what works,
# and one clear error for each kind of bad input.
set(CHAT ${DATA}/chat)
atman_cli_test(chat_units_are_message_contents 0 "\"messages\":\\[\\{\"index\":0,\"role\":\"system\".*\"text\":\"Tom\",\"message\":0"
  -- ${ATMAN_EXE} explain --chat --chat-template ${CHAT}/plain_roles.jinja --messages ${CHAT}/conversation.json
     --target " Tom went" --granularity word --format json)
atman_cli_test(chat_message_granularity 0 "\"length\":20,\"text\":\"Tom is a little boy.\",\"message\":0\\}"
  -- ${ATMAN_EXE} explain --chat --chat-template ${CHAT}/plain_roles.jinja --messages ${CHAT}/conversation.json
     --target " Tom went" --granularity message --format json)
atman_cli_test(chat_without_template 1 "error: model '.*stories260K' has no chat template"
  -- ${ATMAN_EXE} explain --chat --prompt "Who is Tom?" --target " Tom")
atman_cli_test(chat_template_syntax_error 1 "error: .*syntax_error.jinja.*line 2"
  -- ${ATMAN_EXE} explain --chat --chat-template ${CHAT}/syntax_error.jinja --prompt "Who is Tom?" --target " Tom")
atman_cli_test(chat_template_raises 1 "error: .*System role not supported"
  -- ${ATMAN_EXE} explain --chat --chat-template ${CHAT}/no_system.jinja --system "Be brief." --prompt "Who is Tom?" --target " Tom")
atman_cli_test(chat_unknown_role 1 "error: message 0 has the unknown role 'narrator'"
  -- ${ATMAN_EXE} explain --chat --chat-template ${CHAT}/plain_roles.jinja --messages ${CHAT}/unknown_role.json --target " Tom")
atman_cli_test(chat_flags_need_chat 2 "need --chat"
  -- ${ATMAN_EXE} explain --system "Be brief." --prompt "Who is Tom?" --target " Tom")
atman_cli_test(generate_zero_refused 2 "--generate must be at least 1 token, got 0"
  -- ${ATMAN_EXE} explain --prompt "Who is Tom?" --generate 0)
atman_cli_test(generate_explains_own_continuation 0 "\"target\":\" She loved[^\"]*\",\"target_generated\":true"
  -- ${ATMAN_EXE} explain --prompt "Once upon a time, there was a little girl named Lily." --generate 6 --format json)
atman_cli_test(contrast_empty_is_refused 1 "error: the contrast is empty"
  -- sh -c "exec \"$0\" explain --prompt 'One day,' --target ' Tom' --contrast ''" ${ATMAN_EXE})
atman_cli_test(contrast_against_itself_is_zero 0 "\"total\":\\[0(\\.0)?(,0(\\.0)?)+\\]"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target " Tom" --contrast " Tom" --format json)
# The raising record comes first: the second record's line shows the run went on.
atman_cli_test(tokenize_chat_jsonl_template_error 1 "\"code\":\"template_error\",\"message\":\"System role not supported\""
  -- ${ATMAN_EXE} tokenize --chat --chat-template ${CHAT}/no_system.jinja --input ${CHAT}/conversations.jsonl --format json)
atman_cli_test(tokenize_chat_jsonl_goes_on 1 "^\\{\"text\":\"Who is Tom\\?\\\\n\""
  -- ${ATMAN_EXE} tokenize --chat --chat-template ${CHAT}/no_system.jinja --input ${CHAT}/conversations.jsonl --format json)
atman_cli_test(target_granularity_token_columns 0 "rank\tunit\tsource\tstart\tlength\ttotal\tt0 ▁T\tt1 om\ttext"
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target " Tom" --target-granularity token)
atman_cli_test(log_additive_amplifying 0 "\"factor\":2\\.0,.*\"suppression\":\"log-additive\""
  -- ${ATMAN_EXE} explain --prompt ${TOM_PROMPT} --target " Tom" --suppression log-additive --factor 2 --format json)
add_test(NAME cli_batch_chat_records
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/chat_batch_test.sh ${ATMAN_EXE} ${PROJECT_SOURCE_DIR}/models/stories260K
                 ${CHAT}/plain_roles.jinja ${CMAKE_CURRENT_BINARY_DIR}/chat_batch)
set_tests_properties(cli_batch_chat_records PROPERTIES LABELS cli)
# A hostile template nesting 1000 blocks: a clear error, not a stack overflow.
atman_cli_test(chat_template_too_deep 1 "error: chat template '.*deep_nesting.jinja', line 1: syntax error: the template nests blocks or expressions too deeply"
  -- ${ATMAN_EXE} tokenize --chat --chat-template ${CHAT}/deep_nesting.jinja --messages ${CHAT}/conversation.json)

# The Slurm recipe of tools/slurm/ on a single-node Slurm cluster the test starts itself (issue 16):
# array job, one task cancelled and resumed, merge job; skipped (77) where Slurm cannot run, except
# under CI=true.
add_test(NAME slurm_array_kill_resume_merge
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/slurm_array_test.sh ${ATMAN_EXE} ${PROJECT_SOURCE_DIR}
          ${CMAKE_CURRENT_BINARY_DIR}/slurm_array)
set_tests_properties(slurm_array_kill_resume_merge PROPERTIES LABELS slurm TIMEOUT 300 SKIP_RETURN_CODE 77)
